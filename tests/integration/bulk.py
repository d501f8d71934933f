"""Many notes at once, with their permission rows, inserted in bulk SQL (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection

from mentorship.models import Note, NoteUserObjectPermission


def insert_notes(mentorships, per_mentorship: int, *, expires_at) -> None:
    """Insert shared notes in bulk, with a permission row for each of the pair."""
    note = Note._meta.db_table
    with connection.cursor() as cursor:
        for mentorship in mentorships:
            cursor.execute(
                f"INSERT INTO {note} (public_id, mentorship_id, author_id, checkin_id,"
                " visibility, body, expires_at, created_at, updated_at)"
                " SELECT gen_random_uuid(), %s, %s, NULL, 'shared', 'Note ' || g,"
                " %s + g * interval '1 second', %s, %s"
                " FROM generate_series(1, %s) AS g",
                [
                    mentorship.pk,
                    mentorship.mentee_id,
                    expires_at,
                    expires_at - timedelta(days=365),
                    expires_at - timedelta(days=365),
                    per_mentorship,
                ],
            )


def insert_permissions() -> None:
    view = Permission.objects.get(
        content_type__app_label="mentorship", codename="view_note"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NoteUserObjectPermission._meta.db_table}"
            " (permission_id, user_id, content_object_id)"
            " SELECT %s, people.user_id, n.id FROM mentorship_note n"
            " JOIN mentorship_mentorship m ON m.id = n.mentorship_id"
            " CROSS JOIN LATERAL (VALUES (m.mentor_id), (m.mentee_id))"
            " AS people(user_id)",
            [view.pk],
        )
