"""Every page of the running mentorship: login first, POST forms carry CSRF tokens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship.models import RevisitPrompt
from mentorship.notes import create_note
from tests.mentorship.checkin_helpers import past_checkin, sign_terms

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


@pytest.fixture
def world(mentorship):
    sign_terms(mentorship)
    checkin = past_checkin(mentorship)
    note = create_note(
        mentorship=mentorship, author=mentorship.mentor, body="b", visibility="shared"
    )
    prompt = RevisitPrompt.objects.create(
        mentorship=mentorship, reason="midpoint", due_on=timezone.localdate()
    )
    m, c = mentorship.public_id, checkin.public_id
    pair_pages = {
        "mentorship_detail": reverse("mentorship:mentorship_detail", args=[m]),
        "mentorship_close": reverse("mentorship:mentorship_close", args=[m]),
        "meeting_time": reverse("mentorship:meeting_time", args=[m]),
        "checkin_add": reverse("mentorship:checkin_add", args=[m]),
        "checkin_detail": reverse("mentorship:checkin_detail", args=[c]),
        "checkin_record": reverse("mentorship:checkin_record", args=[c]),
        "checkin_reschedule": reverse("mentorship:checkin_reschedule", args=[c]),
        "checkin_cancel": reverse("mentorship:checkin_cancel", args=[c]),
        "note_list": reverse("mentorship:note_list", args=[m]),
        "note_create": reverse("mentorship:note_create", args=[m]),
        "note_detail": reverse("mentorship:note_detail", args=[note.public_id]),
        "note_edit": reverse("mentorship:note_edit", args=[note.public_id]),
        "note_delete": reverse("mentorship:note_delete", args=[note.public_id]),
        "revisit": reverse("agreements:revisit", args=[prompt.public_id]),
        "preferences": reverse("mentorship:preferences"),
    }
    cohort = mentorship.cohort.public_id
    coordinator_pages = {
        "cohort_activity": reverse("mentorship:cohort_activity", args=[cohort]),
        "destruction_records": reverse("mentorship:destruction_records", args=[cohort]),
        "mentorship_detail": pair_pages["mentorship_detail"],
    }
    return pair_pages, coordinator_pages


def test_every_page_asks_anonymous_visitors_to_log_in(client, world):
    pair_pages, coordinator_pages = world
    for name, url in {**pair_pages, **coordinator_pages}.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def _post_forms(html: str) -> list[str]:
    return [f for f in FORM.findall(html) if 'method="post"' in f.lower()]


@pytest.mark.parametrize("who", ["mentor", "coordinator"])
def test_every_post_form_carries_a_csrf_token(
    client, world, mentorship, coordinator, who
):
    pair_pages, coordinator_pages = world
    user, pages = (
        (mentorship.mentor, pair_pages)
        if who == "mentor"
        else (coordinator, coordinator_pages)
    )
    client.force_login(user)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        forms = _post_forms(response.content.decode())
        assert forms, name
        for form in forms:
            assert 'name="csrfmiddlewaretoken"' in form, (name, form[:200])


def test_no_page_changes_state_on_get(client, world, mentorship):
    pair_pages, _coordinator_pages = world
    client.force_login(mentorship.mentor)
    before = (mentorship.checkins.count(), mentorship.notes.count(), mentorship.status)
    for url in pair_pages.values():
        client.get(url)
    mentorship.refresh_from_db()
    assert (
        mentorship.checkins.count(),
        mentorship.notes.count(),
        mentorship.status,
    ) == before
