"""The signed PDF, verifying a document, and comparing versions."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements import pdf
from agreements import services as agreements
from agreements.models import AgreementVersion, RenderedPdf
from tests import factories

ACTORS = [
    "mentor",
    "mentee",
    "coordinator",
    "supervisor",
    "other_coordinator",
    "outsider",
]


@pytest.fixture
def signed(mentorship):
    return factories.effective_agreement(mentorship)


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [200, 200, 403, 404, 404, 404], strict=True))
)
def test_only_the_pair_downloads_the_pdf(client, request, signed, actor, status):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("agreements:pdf", args=[signed.public_id])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [200, 200, 403, 404, 404, 404], strict=True))
)
def test_only_the_pair_compares_versions(
    client, request, signed, mentorship, actor, status
):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("agreements:compare", args=[mentorship.public_id])
    assert client.get(url).status_code == status


@pytest.mark.parametrize("route", ["pdf", "verify"])
def test_anonymous_users_go_to_login(client, signed, route):
    args = [signed.public_id] if route == "pdf" else []
    response = client.get(reverse(f"agreements:{route}", args=args))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_pdf_is_an_attachment_never_cached_and_its_digest_is_kept(
    client, mentee, signed
):
    client.force_login(mentee)
    response = client.get(reverse("agreements:pdf", args=[signed.public_id]))
    data = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert response["Content-Type"] == "application/pdf"
    code = pdf.verification_code(signed)
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="agreement-v1-{code}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert data.startswith(b"%PDF")
    assert RenderedPdf.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_draft_has_no_pdf(client, mentor, mentorship):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    client.force_login(mentor)
    url = reverse("agreements:pdf", args=[agreement.versions.get().public_id])
    assert client.get(url).status_code == 404


def _verify(client, **data):
    return client.post(reverse("agreements:verify"), data)


def test_a_code_identifies_the_signed_version(client, coordinator, signed):
    client.force_login(coordinator)
    code = pdf.verification_code(signed).lower().replace("-", " ")
    response = _verify(client, code=code)
    assert response.context["match"] == signed
    assert (
        "This is version 1 of the agreement between Maya Mentor and Eli Mentee"
        in response.text
    )
    assert "Its record and signatures are intact." in response.text


def test_an_uploaded_pdf_is_matched_by_its_digest(client, mentor, signed):
    client.force_login(mentor)
    data = client.get(reverse("agreements:pdf", args=[signed.public_id])).content
    genuine = SimpleUploadedFile("a.pdf", data, "application/pdf")
    assert _verify(client, document=genuine).context["match"] == signed
    altered = SimpleUploadedFile("a.pdf", data + b"\n%tampered", "application/pdf")
    response = _verify(client, document=altered)
    assert response.context["match"] is None
    assert "matches no signed version" in response.text


def test_someone_outside_the_agreement_learns_nothing_from_a_code(
    client, outsider, signed
):
    client.force_login(outsider)
    response = _verify(client, code=pdf.verification_code(signed))
    assert response.context["match"] is None


def test_a_tampered_record_is_reported(client, mentor, signed):
    AgreementVersion.objects.filter(pk=signed.pk).update(purpose="Something else")
    client.force_login(mentor)
    response = _verify(client, code=pdf.verification_code(signed))
    assert "its stored record was altered" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "XYZ"}, "12 letters and digits"),
        ({}, "either a verification code or a PDF"),
        (
            {"document": SimpleUploadedFile("a.txt", b"hello", "text/plain")},
            "not a PDF",
        ),
    ],
)
def test_verification_input_is_checked(client, mentor, data, message):
    client.force_login(mentor)
    assert message in _verify(client, **data).text


def test_comparing_shows_what_an_amendment_changed(
    client, mentor, mentee, mentorship, signed
):
    amendment = agreements.propose_amendment(
        agreement=signed.agreement, actor=mentee, rationale="Weekly"
    )
    agreements.update_draft(
        version=amendment,
        editor=mentee,
        draft=factories.complete_draft(cadence="weekly"),
    )
    client.force_login(mentor)
    page = client.get(reverse("agreements:compare", args=[mentorship.public_id]))
    scope = next(s for s in page.context["sections"] if s.key == "scope")
    assert [(c.before, c.after) for c in scope.fields] == [
        ("Every two weeks", "Weekly")
    ]
    assert "Weekly" in page.text


def test_equal_texts_of_two_pairs_have_different_codes(client, mentor, cohort, signed):
    other_mentee = factories.MembershipFactory(cohort=cohort, role="mentee").user

    other = factories.pair(cohort=cohort, mentor=mentor, mentee=other_mentee)
    second = factories.effective_agreement(other)
    assert second.content() == signed.content()
    assert pdf.verification_code(second) != pdf.verification_code(signed)
    client.force_login(mentor)
    assert (
        _verify(client, code=pdf.verification_code(second)).context["match"] == second
    )


def test_a_version_not_yet_signed_does_not_verify(client, mentor, mentorship):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    version = agreement.versions.get()
    agreements.update_draft(
        version=version, editor=mentor, draft=factories.complete_draft()
    )
    version = agreements.propose(version=version, actor=mentor)
    client.force_login(mentor)
    assert _verify(client, code=pdf.verification_code(version)).context["match"] is None
