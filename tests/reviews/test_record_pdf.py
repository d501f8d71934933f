"""The record as a PDF, rendered for real by WeasyPrint and read back with pypdf."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from agreements.pdf import StaticFilesFetcher
from reviews import record
from tests.reviews import record_helpers as lived

# Markup that would read local files, reach the network or embed an attachment if it
# were ever rendered as HTML or CSS rather than printed as text.
HOSTILE_PARTS = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    "<style>@import url(http://127.0.0.1:9/x.css)</style>",
    "<script>alert(1)</script>",
]
HOSTILE = " ".join(HOSTILE_PARTS)


def squeeze(text: str) -> str:
    """Drop all whitespace: the PDF wraps lines where the JSON has none."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def when(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def items(data: dict) -> list[str]:
    """Every piece of the JSON record a reader of the PDF should find, as printed."""
    facts = data["mentorship"]
    found = [facts["mentor"], facts["mentee"], facts["supervisor"], facts["closed_by"]]
    found += [facts["started_on"], when(facts["ended_at"]), facts["id"]]
    found += [when(data["generated_at"]), data["schema"], data["requester"]["name"]]
    for version in data["agreement_versions"]:
        found += [f"Version {version['number']}", version["status_label"]]
        found += [version["content_hash"], when(version["effective_at"])]
        for signature in version["signatures"]:
            found += [signature["name"], signature["role"], signature["content_hash"]]
            found.append(when(signature["signed_at"]))
        for section in version["sections"]:
            found.append(section["title"])
            for field in section["fields"]:
                found += [field["label"], *field["text"].splitlines()]
        for criterion in version["criteria"]:
            found += [criterion[k] for k in ("description", "metric", "target")]
            found += [criterion["due_on"], criterion["method_label"]]
        for exception in version["exceptions"]:
            found += [exception["kind_label"], exception["description"]]
    for note in data["notes"]:
        found += [note["body"], note["visibility_label"]]
        found += [when(note["created_at"]), when(note["expires_at"])]
    for review in data["reviews"]:
        found += [review["due_on"], review["outcome_label"], review["outcome_note"]]
        found += [review["progress_means"], review["setback_means"]]
        found += [review["goal_adaptation"], when(review["completed_at"])]
        found += [f"{s['dimension']}: {s['rating']}/5" for s in review["scorecard"]]
        for result in review["criteria"]:
            found += [result["description"], result["target"]]
            for party in (result["mentee"], result["mentor"]):
                found += [party["status_label"], f"{party['rating']}/5"]
                found.append(party["evidence"])
    for consent in data.get("consents", []):
        found += [consent["text"], consent["summary"], consent["supervisor"]]
        found += [*consent["scope_labels"], consent["end_reason_label"]]
        found += [when(consent["granted_at"]), when(consent["ended_at"])]
        found += [when(consent["expires_at"]), consent["text_version"]]
        found += [when(view["at"]) for view in consent["views"]]
        found += [view["kind_label"] for view in consent["views"]]
    return [item for item in found if item]


def downloads(client, user, mentorship):
    """The JSON and the PDF of the same moment."""
    client.force_login(user)
    with time_machine.travel(datetime.now().astimezone(), tick=False):
        data = client.get(reverse("reviews:record_json", args=[mentorship.public_id]))
        pdf = client.get(reverse("reviews:record_pdf", args=[mentorship.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    return data.json(), pdf_text(pdf.content)


@pytest.fixture
def ended(mentorship):
    lived.live_and_close(mentorship)
    return mentorship


@pytest.mark.parametrize("party", ["mentee", "mentor"])
def test_the_pdf_carries_every_item_of_the_json(client, request, ended, party):
    data, text = downloads(client, request.getfixturevalue(party), ended)

    printed = squeeze(text)
    missing = [item for item in items(data) if squeeze(item) not in printed]
    assert missing == []
    assert len(items(data)) > 60


def test_the_pdf_leaves_out_what_the_json_leaves_out(client, ended, mentor, mentee):
    mentee_data, mentee_text = downloads(client, mentee, ended)
    mentor_data, mentor_text = downloads(client, mentor, ended)

    for text in (mentee_text, mentor_text):
        assert "purged" not in text and "expired" not in text
    assert "Mentor shared" not in mentee_text and "Mentee shared" not in mentor_text
    assert "Consent history" in mentee_text
    assert "Consent history" not in mentor_text
    assert squeeze(mentee_data["consents"][0]["text"]) not in squeeze(mentor_text)
    assert lived.MENTOR_META.ip_address not in mentee_text
    assert lived.MENTEE_META.ip_address not in mentor_text
    assert lived.MENTEE_META.ip_address in mentee_text


def test_every_page_names_whose_record_it_is(client, ended, mentee):
    client.force_login(mentee)
    data = client.get(reverse("reviews:record_pdf", args=[ended.public_id])).content

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Mentoring record of Eli Mentee" in page
        assert f"Page {number} of {len(pages)}" in page


def test_hostile_text_is_printed_and_nothing_is_fetched(mentorship, mentee):
    lived.sign_agreement(mentorship)
    lived.write(mentorship, mentee, HOSTILE)
    lived.complete_review(mentorship, days_ago=3, note=HOSTILE)
    lived.grant(mentorship, scope=("summary",), summary=HOSTILE)
    ended = lived.close(mentorship)
    fetcher = StaticFilesFetcher()

    data = record.record_pdf(
        record.build_record(mentorship=ended, requester=mentee), fetcher=fetcher
    )

    assert fetcher.fetched == [fetcher.base_url + "css/pdf.css"]
    assert fetcher.refused == []
    reader = PdfReader(io.BytesIO(data))
    assert not reader.attachments
    assert all("/Annots" not in page for page in reader.pages)
    text = squeeze(pdf_text(data))
    for part in HOSTILE_PARTS:
        # The note, the review's why, the consent summary: printed, as written.
        assert text.count(squeeze(part)) == 3
