"""The agreement PDF, rendered for real by WeasyPrint and read back with pypdf."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import models
from pypdf import PdfReader
from weasyprint import HTML

from agreements import pdf
from agreements import services as agreements
from agreements.models import AgreementContent, AgreementVersion
from tests import factories

# Markup that would read local files, reach the network or embed an attachment if
# it were ever rendered as HTML or CSS rather than printed as text.
HOSTILE_PARTS = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    "<style>@import url(http://127.0.0.1:9/x.css)</style>",
    "url(http://127.0.0.1:9/y.png)",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
]
HOSTILE = " ".join(HOSTILE_PARTS)
# Free-text sections. The other string sections are choice keys of at most 12
# characters, printed through their labels.
TEXT_SECTIONS = [
    name
    for name in AgreementContent.CONTENT_FIELDS
    if isinstance(AgreementVersion._meta.get_field(name), models.TextField)
]
LIST_SECTIONS = ["formats", "channels", "confidential_kinds", "scorecard_dimensions"]


def _read(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.fixture
def signed(mentorship):
    return factories.effective_agreement(mentorship)


def test_a_signed_agreement_prints_a_summary_page_then_the_appendix(signed):
    data, _digest = pdf.render_agreement_pdf(signed)

    reader, pages = _read(data)
    summary, appendix = pages[0], "\n".join(pages[1:])
    for heading in ("Purpose", "Scope", "Confidentiality", "Success criteria"):
        assert heading in summary
    assert "Reviews" in summary and "Signatures" in summary
    assert "Grow into a technical lead role." in summary
    assert "Lead a design review for the team" in summary
    assert "Maya Mentor" in summary and "Eli Mentee" in summary
    assert "Appendix" not in summary
    assert pages[1].lstrip().startswith("Appendix")
    for heading in (
        "Roles and responsibilities",
        "Boundaries",
        "Data handling",
        "Decision rights and renegotiation",
        "Confidentiality exceptions",
        "Success criteria in detail",
        "Amendment history",
    ):
        assert heading in appendix
    assert "Risk of harm to anyone." in appendix


def test_every_page_carries_the_verification_code_hash_and_page_number(signed):
    data, _digest = pdf.render_agreement_pdf(signed)

    _reader, pages = _read(data)
    code = pdf.verification_code(signed)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert code in text
        assert signed.content_hash in text
        assert f"Page {number} of {len(pages)}" in text


def test_the_verification_code_is_the_start_of_the_content_hash(signed):
    code = pdf.verification_code(signed)

    assert len(code) == 14 and code.count("-") == 2
    assert code.replace("-", "").lower() == signed.content_hash[:12]


def test_a_draft_has_no_verification_code(mentorship, mentor):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)

    with pytest.raises(ValueError, match="draft"):
        pdf.verification_code(agreement.versions.get())


def test_the_digest_is_the_sha256_of_the_pdf_bytes(signed):
    data, digest = pdf.render_agreement_pdf(signed)

    assert data.startswith(b"%PDF")
    assert digest == hashlib.sha256(data).hexdigest()


def test_headings_give_the_pdf_its_structure(signed):
    data, _digest = pdf.render_agreement_pdf(signed)

    reader, _pages = _read(data)
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    titles = set()
    pending = list(reader.outline)
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        else:
            titles.add(item.title)
    assert {"Mentoring agreement", "Appendix", "Amendment history"} <= titles


# --- Hostile content ------------------------------------------------------------------


def _hostile_draft() -> agreements.Draft:
    return agreements.Draft(
        sections={
            **{name: HOSTILE for name in TEXT_SECTIONS},
            **{name: HOSTILE_PARTS for name in LIST_SECTIONS},
        },
        criteria=[
            factories.criterion_row(
                description=HOSTILE,
                metric=HOSTILE,
                target=HOSTILE,
                competency=HOSTILE_PARTS[2],
            )
        ],
        exceptions=[{"kind": "other", "description": HOSTILE}],
    )


def _sign_both(version, mentorship):
    version = agreements.propose(version=version, actor=mentorship.mentee)
    factories.sign_as(version, mentorship.mentor)
    factories.sign_as(version, mentorship.mentee)
    return version


@pytest.fixture
def hostile(mentorship):
    """Version 2 in effect, every text of it (and of version 1) hostile markup."""
    mentorship.cohort.program.name = HOSTILE_PARTS[1]
    mentorship.cohort.program.save(update_fields=["name"])
    mentorship.mentor.full_name = f"{HOSTILE_PARTS[0]} Maya"
    mentorship.mentor.save(update_fields=["full_name"])
    mentor, mentee = mentorship.mentor, mentorship.mentee
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    first = agreements.update_draft(
        version=agreement.versions.get(), editor=mentor, draft=_hostile_draft()
    )
    _sign_both(first, mentorship)
    amendment = agreements.propose_amendment(
        agreement=agreement, actor=mentee, rationale=HOSTILE
    )
    agreements.update_draft(version=amendment, editor=mentee, draft=_hostile_draft())
    amendment = _sign_both(amendment, mentorship)
    for party in (mentor, mentee):
        agreements.waive_notice(version=amendment, party=party)
    amendment.refresh_from_db()
    assert amendment.status == AgreementVersion.Status.EFFECTIVE
    return amendment


def test_hostile_text_is_printed_and_nothing_is_fetched(hostile):
    fetcher = pdf.StaticFilesFetcher()

    data, _digest = pdf.render_agreement_pdf(hostile, fetcher=fetcher)

    assert fetcher.fetched == [fetcher.base_url + "css/pdf.css"]
    assert fetcher.refused == []
    reader, pages = _read(data)
    assert not reader.attachments
    assert all("/Annots" not in page for page in reader.pages)
    text = " ".join(" ".join(pages).split())
    for part in HOSTILE_PARTS:
        assert part in text
    assert '<img src="file:///etc/passwd"> Maya' in text  # the signer's typed name


def test_the_fetcher_refuses_what_raw_markup_asks_for():
    """Even if markup slipped through unescaped, it could fetch nothing."""
    fetcher = pdf.StaticFilesFetcher()

    data = HTML(
        string=f"<p>{HOSTILE}</p><p style='background: url(file:///etc/passwd)'>",
        base_url=fetcher.base_url,
        url_fetcher=fetcher,
    ).write_pdf()

    assert fetcher.fetched == []
    assert set(fetcher.refused) >= {
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:9/x.css",
    }
    assert not PdfReader(io.BytesIO(data)).attachments


# --- The fetcher ----------------------------------------------------------------------


def test_the_fetcher_serves_the_apps_static_files():
    fetcher = pdf.StaticFilesFetcher()
    url = fetcher.base_url + "css/app.css"

    response = fetcher.fetch(url)

    assert response.read() == Path(finders.find("css/app.css")).read_bytes()
    assert response.content_type == "text/css"
    assert fetcher.fetched == [url]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://127.0.0.1/static/css/app.css",
        "data:text/css,body{}",
        "{base}../../etc/passwd",
        "{base}css/../../../etc/passwd",
        "{base}css/%2e%2e/%2e%2e/manage.py",
        "{base}css/..%2f..%2fmanage.py",
        "{base}css/missing.css",
        "{base}css/app.css?x=1",
        "https://pdf-assets.invalid/manage.py",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    fetcher = pdf.StaticFilesFetcher()
    url = url.replace("{base}", fetcher.base_url)

    with pytest.raises(ValueError, match="static files"):
        fetcher.fetch(url)

    assert fetcher.refused == [url]
    assert fetcher.fetched == []


def test_the_fetcher_falls_back_to_static_root(settings, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "collected.css").write_text("p { color: red }")
    settings.STATIC_ROOT = str(tmp_path)
    fetcher = pdf.StaticFilesFetcher()

    response = fetcher.fetch(fetcher.base_url + "css/collected.css")

    assert response.read() == b"p { color: red }"


# --- Queries --------------------------------------------------------------------------


def _amend(in_force, mentorship):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentorship.mentee, rationale="Weekly."
    )
    agreements.update_draft(
        version=amendment,
        editor=mentorship.mentee,
        draft=factories.complete_draft(cadence="weekly"),
    )
    amendment = _sign_both(amendment, mentorship)
    for party in (mentorship.mentor, mentorship.mentee):
        agreements.waive_notice(version=amendment, party=party)
    amendment.refresh_from_db()
    return amendment


@pytest.mark.parametrize("amendments", [1, 5])
def test_rendering_queries_do_not_grow_with_the_history(
    amendments, signed, mentorship, django_assert_num_queries
):
    version = signed
    for _ in range(amendments):
        version = _amend(version, mentorship)

    # The version with agreement, mentorship, mentor, mentee, cohort and program
    # joined; its criteria; its exceptions; its signatures; the agreement's versions.
    with django_assert_num_queries(5):
        data, _digest = pdf.render_agreement_pdf(version)

    history = " ".join(_read(data)[1][1:])
    assert f"{amendments + 1} In effect" in history
