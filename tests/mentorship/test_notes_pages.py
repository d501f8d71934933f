"""The note pages: writing, reading, editing, deleting, exporting; badges; queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorship import checkins, notes
from mentorship.models import Note, NoteUserObjectPermission
from mentorship.models.notes import NOTE_LIMIT
from tests import factories

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


def write(mentorship, author, visibility=PRIVATE, body="A note.", **extra):
    return notes.create_note(
        mentorship=mentorship, author=author, body=body, visibility=visibility, **extra
    )


def add_checkin(mentorship, days=3):
    return checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentor,
        scheduled_at=timezone.now() + timedelta(days=days),
        duration=60,
    )


def create_url(mentorship):
    return reverse("mentorship:note_create", args=[mentorship.public_id])


# --- Writing --------------------------------------------------------------------------


def test_mentee_writes_a_shared_note_about_a_checkin(client, mentorship, mentee):
    checkin = add_checkin(mentorship)
    client.force_login(mentee)
    response = client.post(
        create_url(mentorship),
        {"body": "We agreed on X.", "visibility": SHARED, "checkin": checkin.public_id},
    )
    note = Note.objects.get()
    assert response.status_code == 302
    assert response.url == note.get_absolute_url()
    assert (note.author, note.visibility, note.checkin) == (mentee, SHARED, checkin)
    assert NoteUserObjectPermission.objects.filter(content_object=note).count() == 4


def test_create_form_offers_only_this_pairs_checkins(client, mentorship, mentor):
    mine = add_checkin(mentorship)
    other = factories.mentorship_in(mentorship.cohort)
    foreign = add_checkin(other)
    client.force_login(mentor)
    page = client.get(create_url(mentorship) + f"?checkin={mine.public_id}")
    assert page.status_code == 200
    assert f'value="{mine.public_id}" selected' in page.text
    assert str(foreign.public_id) not in page.text
    assert "Shared: you and Eli Mentee" in page.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": "", "visibility": PRIVATE}, "body", "This field is required."),
        (
            {"body": "x" * (NOTE_LIMIT + 1), "visibility": PRIVATE},
            "body",
            f"at most {NOTE_LIMIT} characters",
        ),
        ({"body": "Kept text", "visibility": "public"}, "visibility", "valid choice"),
        (
            {"body": "Kept text", "visibility": PRIVATE, "checkin": "not-a-uuid"},
            "checkin",
            "valid choice",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(
    client, mentorship, mentor, data, field, message
):
    client.force_login(mentor)
    response = client.post(create_url(mentorship), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert f'id="error_1_id_{field}"' in response.text  # rendered at the field
    if data["body"] and len(data["body"]) < 100:
        assert data["body"] in response.text  # what was typed is kept
    assert not Note.objects.exists()


def test_checkin_of_another_pair_is_an_invalid_choice(client, mentorship, mentor):
    foreign = add_checkin(factories.mentorship_in(mentorship.cohort))
    client.force_login(mentor)
    response = client.post(
        create_url(mentorship),
        {"body": "Kept text", "visibility": SHARED, "checkin": foreign.public_id},
    )
    assert response.status_code == 200
    assert "checkin" in response.context["form"].errors
    assert "Kept text" in response.text
    assert not Note.objects.exists()


def test_no_writing_on_a_closed_mentorship(client, mentorship, mentor):
    from mentorship import services

    services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    client.force_login(mentor)
    assert client.get(create_url(mentorship)).status_code == 403
    response = client.post(create_url(mentorship), {"body": "x", "visibility": PRIVATE})
    assert response.status_code == 403
    assert not Note.objects.exists()


# --- Reading, editing, deleting -------------------------------------------------------


def test_detail_shows_the_note_badge_and_expiry(client, mentorship, mentor, mentee):
    with time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), tick=False):
        note = write(mentorship, mentor, SHARED, body="Line one\nLine two")
    client.force_login(mentee)
    page = client.get(note.get_absolute_url())
    assert page.status_code == 200
    assert "Line one<br>Line two" in page.text
    assert "Who can see this: You and Maya Mentor" in page.text
    days = mentorship.cohort.program.default_retention_days
    expires = datetime(2026, 12, 3, 9, 0, tzinfo=UTC) + timedelta(days=days)
    assert f"kept until {expires:%-d %b %Y}" in page.text
    assert reverse("mentorship:note_edit", args=[note.public_id]) not in page.text


def test_times_are_shown_in_the_readers_own_time_zone(client, mentorship, mentor):
    mentor.time_zone = "Pacific/Auckland"
    mentor.save(update_fields=["time_zone"])
    with time_machine.travel(datetime(2026, 12, 3, 20, 0, tzinfo=UTC), tick=False):
        note = write(mentorship, mentor)
    client.force_login(mentor)
    page = client.get(note.get_absolute_url())
    assert "Note of 4 Dec 2026, 09:00" in page.text  # NZDT, UTC+13


def test_badge_names_exactly_who_reads_the_note(mentorship, mentor, mentee):
    private, shared = write(mentorship, mentor), write(mentorship, mentee, SHARED)
    assert notes.readers_label(private, mentor) == "Only you"
    assert notes.readers_label(shared, mentee) == "You and Maya Mentor"
    assert notes.readers_label(shared, mentor) == "You and Eli Mentee"
    badge = render_to_string(
        "mentorship/partials/visibility_badge.html", {"note": private, "viewer": mentor}
    )
    assert "Who can see this: Only you" in badge


def test_expiry_counted_from_closing_says_so(mentorship, mentor):
    mentorship.has_signed_terms, mentorship.retention_days = True, 90
    mentorship.retention_anchor = "closed"
    mentorship.save(
        update_fields=["has_signed_terms", "retention_days", "retention_anchor"]
    )
    note = write(mentorship, mentor)
    assert notes.expiry_label(note, mentor) == (
        "kept until 90 days after the mentorship closes"
    )


def test_author_edits_and_makes_a_note_private(client, mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    client.force_login(mentor)
    url = reverse("mentorship:note_edit", args=[note.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "Only for me", "visibility": PRIVATE})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.body, note.visibility) == ("Only for me", PRIVATE)
    client.force_login(mentee)
    assert client.get(note.get_absolute_url()).status_code == 404


def test_bad_edit_keeps_the_typed_text_and_the_stored_note(client, mentorship, mentor):
    note = write(mentorship, mentor, SHARED, body="Stored text")
    client.force_login(mentor)
    url = reverse("mentorship:note_edit", args=[note.public_id])
    response = client.post(url, {"body": "Typed text", "visibility": "nobody"})
    assert response.status_code == 200
    assert "Typed text" in response.text
    assert "Who can see this: You and Eli Mentee" in response.text
    note.refresh_from_db()
    assert (note.body, note.visibility) == ("Stored text", SHARED)


def test_author_deletes_a_note_after_confirming(client, mentorship, mentor):
    note = write(mentorship, mentor, SHARED)
    client.force_login(mentor)
    url = reverse("mentorship:note_delete", args=[note.public_id])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Delete note" in confirm.text
    assert Note.objects.exists()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("mentorship:note_list", args=[mentorship.public_id])
    assert not Note.objects.exists()
    assert not NoteUserObjectPermission.objects.exists()


def test_partner_cannot_delete_a_shared_note(client, mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    client.force_login(mentee)
    url = reverse("mentorship:note_delete", args=[note.public_id])
    assert client.post(url).status_code == 403
    assert Note.objects.filter(pk=note.pk).exists()


# --- Export ---------------------------------------------------------------------------


def test_export_holds_only_the_authors_own_notes(client, mentorship, mentor, mentee):
    checkin = add_checkin(mentorship)
    mine_private = write(mentorship, mentee, body="Mine, private")
    mine_shared = write(
        mentorship, mentee, SHARED, body="Mine, shared", checkin=checkin
    )
    write(mentorship, mentor, SHARED, body="Partner's shared")
    write(mentorship, mentor, body="Partner's private")
    other = factories.mentorship_in(mentorship.cohort)
    write(other, other.mentee, SHARED, body="Another pair's")
    client.force_login(mentee)
    response = client.get(
        reverse("mentorship:note_export", args=[mentorship.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert [n["body"] for n in data["notes"]] == ["Mine, private", "Mine, shared"]
    first, second = data["notes"]
    assert first["id"] == str(mine_private.public_id)
    assert first["checkin_at"] is None
    assert second["visibility"] == "shared"
    assert second["checkin_at"] == checkin.scheduled_at.isoformat()
    assert second["created_at"] == mine_shared.created_at.isoformat()
    assert second["expires_at"] == mine_shared.expires_at.isoformat()
    assert b"Partner" not in response.content
