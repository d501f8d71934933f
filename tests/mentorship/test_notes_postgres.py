"""Notes on PostgreSQL: permission rows commit and roll back with their note, and
the guardian queries behind the lists run there.

Transactional tests (real commits); a second connection looks from outside.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, connections
from django.urls import reverse

from mentorship import notes
from mentorship.models import Note, NoteUserObjectPermission
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


def write(mentorship, author, visibility=SHARED, body="A note."):
    return notes.create_note(
        mentorship=mentorship, author=author, body=body, visibility=visibility
    )


def seen_from_outside(note_pk: int) -> tuple[int, int]:
    """(notes, permission rows) with this note id, as another connection sees them."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM mentorship_note WHERE id = %s", [note_pk]
            )
            (note_count,) = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM mentorship_noteuserobjectpermission"
                " WHERE content_object_id = %s",
                [note_pk],
            )
            (perm_count,) = cursor.fetchone()
    finally:
        other.close()
    return note_count, perm_count


@contextmanager
def refusing(table: str, event: str):
    """Make the database refuse every `event` on `table` for the block's duration."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse BEFORE {event} ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse ON {table}")
            cursor.execute("DROP FUNCTION test_refuse()")


def test_deleting_a_note_commits_its_permission_rows_deletion_with_it(
    mentorship, mentor
):
    note = write(mentorship, mentor)
    assert seen_from_outside(note.pk) == (1, 4)
    notes.delete_note(note=note, actor=mentor)
    assert seen_from_outside(note.pk) == (0, 0)


def test_failed_note_delete_keeps_its_permission_rows(mentorship, mentor, mentee):
    """The permission rows are deleted first; if the note's own delete then fails,
    they come back: one transaction."""
    note = write(mentorship, mentor)
    with refusing("mentorship_note", "DELETE"), pytest.raises(DatabaseError):
        notes.delete_note(note=note, actor=mentor)
    assert seen_from_outside(note.pk) == (1, 4)
    assert list(notes.notes_visible_to(mentee)) == [note]


def test_failed_permission_grant_leaves_no_note(mentorship, mentor):
    with (
        refusing("mentorship_noteuserobjectpermission", "INSERT"),
        pytest.raises(DatabaseError),
    ):
        write(mentorship, mentor, body="Should not survive")
    assert not Note.objects.filter(body="Should not survive").exists()
    assert not NoteUserObjectPermission.objects.exists()


def test_visibility_change_is_seen_from_outside_at_once(mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    notes.update_note(note=note, editor=mentor, body="Mine", visibility=PRIVATE)
    assert seen_from_outside(note.pk) == (1, 3)


def test_list_queries_run_on_postgres(client, mentorship, mentor, mentee, cohort):
    own = write(mentorship, mentor, PRIVATE)
    shared = write(mentorship, mentee, SHARED)
    write(mentorship, mentee, PRIVATE)
    other = factories.mentorship_in(cohort)
    write(other, other.mentor, SHARED)
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)

    assert set(notes.notes_visible_to(mentor)) == {own, shared}
    assert set(notes.notes_visible_to(mentor, mentorship)) == {own, shared}
    assert not notes.notes_visible_to(superuser).exists()
    assert notes.note_counts([mentorship.pk, other.pk]) == {
        mentorship.pk: {"private": 2, "shared": 1},
        other.pk: {"private": 0, "shared": 1},
    }
    client.force_login(mentor)
    page = client.get(reverse("mentorship:note_list", args=[mentorship.public_id]))
    assert page.status_code == 200
    assert {n.pk for n in page.context["page"].object_list} == {own.pk, shared.pk}
    assert client.get(shared.get_absolute_url()).status_code == 200
    export = client.get(reverse("mentorship:note_export", args=[mentorship.public_id]))
    assert [n["id"] for n in export.json()["notes"]] == [str(own.public_id)]
