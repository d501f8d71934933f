"""Query counts of the note pages and reads do not grow with the number of notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorship import checkins, notes
from mentorship.models import Note
from tests import factories

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


def fill(mentorship, rows):
    """`rows` notes of each kind by each of the pair, some about a check-in, plus
    notes of another pair that must not show."""
    checkin = checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentor,
        scheduled_at=timezone.now() + timedelta(days=2),
        duration=60,
    )
    other = factories.mentorship_in(mentorship.cohort)
    for n in range(rows):
        for author in (mentorship.mentor, mentorship.mentee):
            for visibility in (PRIVATE, SHARED):
                notes.create_note(
                    mentorship=mentorship,
                    author=author,
                    body=f"Note {n}",
                    visibility=visibility,
                    checkin=checkin if n % 2 else None,
                )
        notes.create_note(
            mentorship=other, author=other.mentor, body="Other", visibility=SHARED
        )
    return checkin


def warm(client, url):
    # guardian caches the content type of a permission per process on first use.
    client.get(url)


@pytest.mark.parametrize("rows", [2, 50])
def test_note_list_queries_are_flat(
    rows, client, mentorship, mentor, django_assert_num_queries
):
    fill(mentorship, rows)
    client.force_login(mentor)
    url = reverse("mentorship:note_list", args=[mentorship.public_id])
    warm(client, url)
    # session, user, mentorship (+people, cohort, program), page count,
    # notes (+author, check-in, mentorship, people, program; permission subquery)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200
    listed = len(response.context["page"].object_list)
    assert listed == min(rows * 3, 25)


@pytest.mark.parametrize("rows", [2, 50])
def test_note_export_queries_are_flat(
    rows, client, mentorship, mentee, django_assert_num_queries
):
    fill(mentorship, rows)
    client.force_login(mentee)
    url = reverse("mentorship:note_export", args=[mentorship.public_id])
    warm(client, url)
    # session, user, mentorship (+people), own notes (+check-in; permission subquery)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.json()["notes"]) == rows * 2


@pytest.mark.parametrize("rows", [2, 50])
def test_note_detail_queries_are_flat(
    rows, client, mentorship, mentor, django_assert_num_queries
):
    checkin = fill(mentorship, rows)
    note = Note.objects.filter(author=mentor, checkin=checkin).first()
    client.force_login(mentor)
    warm(client, note.get_absolute_url())
    # session, user, note (+author, check-in, mentorship, people, program)
    with django_assert_num_queries(3):
        assert client.get(note.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_notes_for_page_is_one_query(
    rows, mentorship, mentee, django_assert_num_queries
):
    checkin = fill(mentorship, rows)
    notes.notes_for_page(mentee, mentorship)
    # the latest visible notes (+author, check-in, mentorship, people, program)
    with django_assert_num_queries(1):
        latest = notes.notes_for_page(mentee, mentorship)
    # the same, on one check-in
    with django_assert_num_queries(1):
        about = notes.notes_for_page(mentee, mentorship, limit=50, checkin=checkin)
    assert len(latest) == 5
    assert {n.checkin_id for n in about} == {checkin.pk}


@pytest.mark.parametrize("rows", [2, 50])
def test_note_list_partial_renders_without_queries(
    rows, mentorship, mentee, django_assert_num_queries
):
    fill(mentorship, rows)
    page = list(notes.notes_visible_to(mentee, mentorship))
    with django_assert_num_queries(0):
        html = render_to_string(
            "mentorship/partials/note_list.html", {"notes": page, "viewer": mentee}
        )
    assert html.count("Who can see this:") == rows * 3
