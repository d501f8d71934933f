"""Revisiting the agreement (kept, amended, closed) and closing a mentorship."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementVersion
from mentorship.models import RevisitPrompt
from tests import factories


@pytest.fixture
def prompt(mentorship):
    factories.effective_agreement(mentorship)
    return RevisitPrompt.objects.create(
        mentorship=mentorship, reason="midpoint", due_on=timezone.localdate()
    )


def _url(prompt):
    return reverse("agreements:revisit", args=[prompt.public_id])


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("mentor", 200),
        ("mentee", 200),
        ("coordinator", 404),
        ("supervisor", 404),
        ("outsider", 404),
    ],
)
def test_revisit_page_is_the_pairs(client, request, prompt, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(_url(prompt)).status_code == status


def test_kept_is_recorded(client, prompt):
    client.force_login(prompt.mentorship.mentee)
    response = client.post(_url(prompt), {"outcome": "kept", "note": "Working well"})
    assert response.status_code == 302
    prompt.refresh_from_db()
    assert (prompt.outcome, prompt.outcome_note, prompt.decided_by) == (
        "kept",
        "Working well",
        prompt.mentorship.mentee,
    )
    assert "Decided" in client.get(_url(prompt)).content.decode()


def test_amended_opens_an_amendment_draft_with_the_reason(client, prompt):
    client.force_login(prompt.mentorship.mentor)
    response = client.post(
        _url(prompt), {"outcome": "amended", "note": "Meet fortnightly"}
    )
    draft = AgreementVersion.objects.get(
        agreement__mentorship=prompt.mentorship, number=2
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:edit", args=[draft.public_id])
    assert draft.rationale == "Meet fortnightly" and draft.status == "draft"
    prompt.refresh_from_db()
    assert prompt.outcome == "amended"


def test_amended_without_a_reason_is_refused_and_nothing_recorded(client, prompt):
    client.force_login(prompt.mentorship.mentor)
    response = client.post(_url(prompt), {"outcome": "amended", "note": ""})
    assert response.status_code == 200
    assert "Say what should change." in response.content.decode()
    prompt.refresh_from_db()
    assert prompt.is_open
    assert not AgreementVersion.objects.filter(
        agreement__mentorship=prompt.mentorship, number=2
    ).exists()


def test_closed_closes_the_mentorship(client, prompt):
    client.force_login(prompt.mentorship.mentee)
    client.post(_url(prompt), {"outcome": "closed", "note": "Goals met"})
    prompt.mentorship.refresh_from_db()
    assert prompt.mentorship.status == "ended"
    assert not prompt.mentorship.checkins.filter(status="scheduled").exists()


def test_close_page_for_pair_and_coordinator_only(client, request, mentorship):
    url = reverse("mentorship:mentorship_close", args=[mentorship.public_id])
    for actor, status in {
        "outsider": 404,
        "supervisor": 404,
        "other_coordinator": 404,
    }.items():
        client.force_login(request.getfixturevalue(actor))
        assert client.post(url, {"confirm": "on"}).status_code == status
    client.force_login(request.getfixturevalue("coordinator"))
    assert client.post(url, {}).status_code == 200  # the confirmation is required
    mentorship.refresh_from_db()
    assert mentorship.status == "active"
    assert (
        client.post(url, {"confirm": "on", "reason": "Moved teams"}).status_code == 302
    )
    mentorship.refresh_from_db()
    assert mentorship.status == "ended" and mentorship.ended_at is not None


def test_the_reason_for_closing_is_the_pairs_and_the_closers(
    client, request, mentorship, coordinator
):
    reason = "Closing because of a family matter 7f3a"
    client.force_login(mentorship.mentor)
    url = reverse("mentorship:mentorship_close", args=[mentorship.public_id])
    assert client.post(url, {"confirm": "on", "reason": reason}).status_code == 302
    mentorship.refresh_from_db()
    assert mentorship.close_reason == reason
    page = mentorship.get_absolute_url()
    for actor in ("mentor", "mentee"):
        client.force_login(request.getfixturevalue(actor))
        assert reason in client.get(page).text
    record = reverse("reviews:record_json", args=[mentorship.public_id])
    assert client.get(record).json()["mentorship"]["close_reason"] == reason
    client.force_login(coordinator)
    for url in (
        page,
        mentorship.cohort.get_absolute_url(),
        reverse("reviews:cohort_dashboard", args=[mentorship.cohort.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and reason not in response.text, url
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    admin_page = reverse("admin:mentorship_mentorship_change", args=[mentorship.pk])
    response = client.get(admin_page)
    assert response.status_code == 200 and reason not in response.text


def test_a_long_revisit_note_is_kept_whole_as_the_reason_for_closing(client, prompt):
    note = "x" * 2000
    client.force_login(prompt.mentorship.mentee)
    client.post(_url(prompt), {"outcome": "closed", "note": note})
    prompt.mentorship.refresh_from_db()
    assert prompt.mentorship.close_reason == note
