"""The running pages' forms cost the same queries at 2 and 50 rows of history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship import checkins, notes
from mentorship.models import RevisitPrompt
from tests.mentorship.checkin_helpers import DIMENSIONS, past_checkin, sign_terms

FEEDBACK = {"situation": "S", "observation": "O", "impact": "I", "suggestion": "G"}


@pytest.fixture
def signed(mentorship):
    return sign_terms(mentorship)


def fill(mentorship, rows):
    """`rows` of everything a pair accumulates: past check-ins recorded with feedback
    and ratings, extra check-ins ahead, notes of each kind by each of the pair about
    those check-ins, and decided revisit prompts."""
    for n in range(rows):
        checkin = past_checkin(mentorship, hours_ago=3 + n * 24)
        for actor in (mentorship.mentor, mentorship.mentee):
            checkins.record(
                checkin=checkin,
                actor=actor,
                fields={"status": "held", "format": "video", "progress": f"P{n}"},
                feedback=[FEEDBACK],
                ratings=dict(zip(DIMENSIONS, (3, 4, 5), strict=True)),
            )
        checkins.add_extra(
            mentorship=mentorship,
            actor=mentorship.mentee,
            scheduled_at=(timezone.now() + timedelta(days=1 + n)).replace(
                minute=17, second=0, microsecond=0
            ),
            duration=30,
        )
        for author in (mentorship.mentor, mentorship.mentee):
            for visibility in ("private", "shared"):
                notes.create_note(
                    mentorship=mentorship,
                    author=author,
                    body=f"Note {n} by {author.full_name}",
                    visibility=visibility,
                    checkin=checkin,
                )
        RevisitPrompt.objects.create(
            mentorship=mentorship,
            reason="misses",
            due_on=timezone.localdate() - timedelta(days=n + 1),
            outcome="kept",
            decided_by=mentorship.mentee,
            decided_at=timezone.now(),
        )


def _get(client, user, url):
    client.force_login(user)
    # Warm the per-process caches (guardian's content type) outside the count.
    client.get(url)
    return url


@pytest.mark.parametrize("rows", [2, 50])
def test_checkin_record_page_queries_are_flat(
    rows, client, signed, django_assert_num_queries
):
    fill(signed, rows)
    checkin = signed.checkins.filter(status="held").latest("scheduled_at")
    url = _get(
        client,
        signed.mentor,
        reverse("mentorship:checkin_record", args=[checkin.public_id]),
    )
    # session, user, check-in (+mentorship, people, cohort, program), its ratings
    # (the form's initial values), the viewer's own feedback (the formset's initial)
    with django_assert_num_queries(5):
        response = client.get(url)
    form = response.context["form"]
    assert form.instance == checkin and form["progress"].value() == "P0"
    assert [form[f"rating_{i}"].initial for i in range(3)] == [3, 4, 5]
    assert response.context["formset"].initial == [FEEDBACK]


@pytest.mark.parametrize("page", ["checkin_reschedule", "checkin_cancel"])
@pytest.mark.parametrize("rows", [2, 50])
def test_checkin_change_pages_queries_are_flat(
    rows, page, client, signed, django_assert_num_queries
):
    fill(signed, rows)
    checkin = signed.checkins.upcoming().first()
    url = _get(
        client, signed.mentee, reverse(f"mentorship:{page}", args=[checkin.public_id])
    )
    # session, user, check-in (+mentorship, people, cohort, program)
    with django_assert_num_queries(3):
        response = client.get(url)
    heading = {
        "checkin_reschedule": "Move the check-in",
        "checkin_cancel": "Cancel the check-in",
    }[page]
    assert response.context["checkin"] == checkin
    assert heading in response.content.decode()


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("checkin_add", "Add a check-in"),
        ("meeting_time", "Regular meeting time"),
        ("mentorship_close", "Close the mentorship"),
    ],
)
@pytest.mark.parametrize("rows", [2, 50])
def test_mentorship_form_pages_queries_are_flat(
    rows, page, title, client, signed, django_assert_num_queries
):
    fill(signed, rows)
    url = _get(
        client, signed.mentor, reverse(f"mentorship:{page}", args=[signed.public_id])
    )
    # session, user, mentorship (+mentor, mentee, supervisor, cohort, program)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.context["mentorship"] == signed
    assert f'<h1 class="h3">{title}</h1>' in response.content.decode()
    if page == "meeting_time":
        assert 'value="10:00"' in response.content.decode()


@pytest.mark.parametrize("rows", [2, 50])
def test_note_create_page_queries_are_flat(
    rows, client, signed, django_assert_num_queries
):
    fill(signed, rows)
    offered = signed.checkins.exclude(status="cancelled").count()
    assert offered > 2 * rows  # past, extra and the series ahead
    url = _get(
        client,
        signed.mentee,
        reverse("mentorship:note_create", args=[signed.public_id]),
    )
    # session, user, mentorship (+people, cohort, program), the check-ins offered
    # in the dropdown (one query however many)
    with django_assert_num_queries(4):
        response = client.get(url)
    select = re.search(
        r'<select name="checkin".*?</select>', response.content.decode(), re.S
    )
    assert select.group(0).count("<option") == offered + 1  # and "None"


@pytest.mark.parametrize(
    ("page", "heading"),
    [("note_edit", "Edit the note"), ("note_delete", "Delete the note?")],
)
@pytest.mark.parametrize("rows", [2, 50])
def test_note_change_pages_queries_are_flat(
    rows, page, heading, client, signed, django_assert_num_queries
):
    fill(signed, rows)
    note = signed.notes.filter(author=signed.mentor, visibility="shared").first()
    url = _get(
        client, signed.mentor, reverse(f"mentorship:{page}", args=[note.public_id])
    )
    # session, user, note (+author, check-in, mentorship, people, program;
    # permission subquery)
    with django_assert_num_queries(3):
        response = client.get(url)
    page_text = response.content.decode()
    assert heading in page_text and note.body in page_text
    assert f"You and {signed.mentee.full_name}" in page_text  # the badge


@pytest.mark.parametrize("rows", [2, 50])
def test_revisit_page_queries_are_flat(rows, client, signed, django_assert_num_queries):
    fill(signed, rows)
    prompt = RevisitPrompt.objects.create(
        mentorship=signed, reason="midpoint", due_on=timezone.localdate()
    )
    url = _get(
        client, signed.mentee, reverse("agreements:revisit", args=[prompt.public_id])
    )
    # session, user, prompt (+mentorship, mentor, mentee, decided by)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.context["prompt"] == prompt
    page_text = response.content.decode()
    assert "The cohort&#x27;s midpoint" in page_text
    assert "Record the decision" in page_text
