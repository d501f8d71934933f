"""Notes of a closed mentorship: kept as they were, deletable, never edited or shared."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from mentorship import notes, services
from mentorship.models import Mentorship, Note

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


@pytest.fixture
def closed_note(mentorship, mentor):
    """A private note of the mentor's, on a mentorship closed since."""
    note = notes.create_note(
        mentorship=mentorship, author=mentor, body="Mine only.", visibility=PRIVATE
    )
    services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    return Note.objects.select_related("mentorship").get(pk=note.pk)


def _edit_url(note):
    return reverse("mentorship:note_edit", args=[note.public_id])


def test_a_note_of_a_closed_mentorship_cannot_be_shared(closed_note, mentor, mentee):
    with pytest.raises(ValidationError, match="This mentorship has closed"):
        notes.update_note(
            note=closed_note, editor=mentor, body="Now shared", visibility=SHARED
        )
    closed_note.refresh_from_db()
    assert (closed_note.body, closed_note.visibility) == ("Mine only.", PRIVATE)
    assert not notes.notes_visible_to(mentee).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_edit_page_of_a_closed_mentorship_says_why_and_changes_nothing(
    client, closed_note, mentor, mentee, method
):
    client.force_login(mentor)
    response = getattr(client, method)(
        _edit_url(closed_note), {"body": "Now shared", "visibility": SHARED}
    )
    assert response.status_code == 302
    assert response.url == closed_note.get_absolute_url()
    page = client.get(response.url)
    assert "its notes can no longer be changed" in page.text
    closed_note.refresh_from_db()
    assert closed_note.visibility == PRIVATE
    assert not notes.notes_visible_to(mentee).exists()


def test_a_closed_mentorships_note_offers_delete_but_not_edit(
    client, closed_note, mentor
):
    client.force_login(mentor)
    page = client.get(closed_note.get_absolute_url())
    assert _edit_url(closed_note) not in page.text
    delete_url = reverse("mentorship:note_delete", args=[closed_note.public_id])
    assert delete_url in page.text
    assert client.post(delete_url).status_code == 302
    assert not Note.objects.filter(pk=closed_note.pk).exists()


def test_editing_a_note_the_purge_just_deleted_answers_404(mentorship, mentor):
    note = notes.create_note(
        mentorship=mentorship, author=mentor, body="Going.", visibility=PRIVATE
    )
    Note.objects.filter(pk=note.pk).delete()  # the purge, between load and save
    with pytest.raises(Http404):
        notes.update_note(note=note, editor=mentor, body="Edit", visibility=SHARED)


def test_an_edit_posted_after_the_purge_answers_404(
    client, monkeypatch, mentorship, mentor
):
    note = notes.create_note(
        mentorship=mentorship, author=mentor, body="Going.", visibility=PRIVATE
    )
    load = notes.get_note_for

    def load_then_purge(*args, **kwargs):
        loaded = load(*args, **kwargs)
        Note.objects.filter(pk=loaded.pk).delete()
        return loaded

    monkeypatch.setattr(notes, "get_note_for", load_then_purge)
    client.force_login(mentor)
    response = client.post(_edit_url(note), {"body": "Edit", "visibility": SHARED})
    assert response.status_code == 404


def test_a_note_is_refused_on_a_mentorship_closed_since_the_page_loaded(
    mentorship, mentor
):
    loaded = Mentorship.objects.get(pk=mentorship.pk)  # what the page had read
    services.end_mentorship(mentorship=mentorship, ended_by=mentor)

    with pytest.raises(PermissionDenied):
        notes.create_note(
            mentorship=loaded, author=mentor, body="Late.", visibility=SHARED
        )
    assert not Note.objects.exists()
