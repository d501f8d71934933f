"""Notes: writing, changing and deleting them, and who may read them.

Who may read a note is held in django-guardian object permissions, granted in the same
transaction as the change that calls for them: a private note to its author only, a
shared note to its author and their mentoring partner. Every read goes through
`notes_visible_to`, which asks guardian for object permissions only: neither a
superuser nor a model-wide "view note" permission reveals a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from guardian.shortcuts import assign_perm, get_objects_for_user

from mentorship import retention
from mentorship.models import (
    CheckIn,
    Mentorship,
    Note,
    NoteUserObjectPermission,
    User,
)
from mentorship.models.notes import NOTE_LIMIT

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

VIEW = "mentorship.view_note"
CHANGE = "mentorship.change_note"
DELETE = "mentorship.delete_note"
AUTHOR_PERMS = (VIEW, CHANGE, DELETE)


# --- Permissions ----------------------------------------------------------------------


def can_write_notes(user: User | AnonymousUser, mentorship: Mentorship) -> bool:
    """Only the mentor or mentee of an active mentorship writes notes on it."""
    return mentorship.is_active and mentorship.is_pair_member(user)


def _locked_mentorship(pk: int) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee", "cohort__program")
        .get(pk=pk)
    )


def _wanted_perms(note: Note) -> dict[tuple[int, str], User]:
    """Return the (user id, codename) rows the note should have, with their users."""
    wanted = {
        (note.author.pk, perm.split(".")[1]): note.author for perm in AUTHOR_PERMS
    }
    if note.is_shared:
        partner = note.mentorship.partner_of(note.author)
        wanted[(partner.pk, VIEW.split(".")[1])] = partner
    return wanted


def _sync_perms(note: Note) -> None:
    """Make the note's permission rows exactly those its visibility calls for."""
    wanted = _wanted_perms(note)
    rows = NoteUserObjectPermission.objects.filter(content_object=note)
    stale = []
    for pk, user_id, codename in rows.values_list(
        "pk", "user_id", "permission__codename"
    ):
        if wanted.pop((user_id, codename), None) is None:
            stale.append(pk)
    if stale:
        NoteUserObjectPermission.objects.filter(pk__in=stale).delete()
    for (_user_id, codename), user in wanted.items():
        assign_perm(f"mentorship.{codename}", user, note)


CLOSED_MESSAGE = _lazy(
    "This mentorship has closed: its notes can no longer be changed. You can still "
    "delete your own notes."
)


def can_edit_note(user: User | AnonymousUser, note: Note) -> bool:
    """Only the author edits a note, and only while its mentorship is active."""
    return note.author_id == user.pk and note.mentorship.is_active


def _check_content(*, body: str, visibility: str) -> None:
    errors: dict[str, str] = {}
    if not body.strip():
        errors["body"] = _("Write something in the note.")
    elif len(body) > NOTE_LIMIT:
        errors["body"] = _("A note holds at most %(limit)d characters.") % {
            "limit": NOTE_LIMIT
        }
    if visibility not in Note.Visibility.values:
        errors["visibility"] = _("Choose who can read the note.")
    if errors:
        raise ValidationError(errors)


# --- Services -------------------------------------------------------------------------


@transaction.atomic
def create_note(
    *,
    mentorship: Mentorship,
    author: User,
    body: str,
    visibility: str,
    checkin: CheckIn | None = None,
) -> Note:
    """Write a note on an active mentorship and grant who may read it."""
    # Locked, and read afresh: a close or new terms committing meanwhile would
    # otherwise miss this note when they re-compute expiries.
    mentorship = _locked_mentorship(mentorship.pk)
    if not can_write_notes(author, mentorship):
        raise PermissionDenied
    _check_content(body=body, visibility=visibility)
    if checkin is not None and checkin.mentorship_id != mentorship.pk:
        raise ValidationError({"checkin": _("Choose a check-in of this mentorship.")})
    note = Note.objects.create(
        mentorship=mentorship,
        author=author,
        checkin=checkin,
        visibility=visibility,
        body=body,
    )
    # The retention period counts from the stored creation time.
    note.expires_at = retention.expiry_of_new_note(mentorship, note.created_at)
    note.save(update_fields=["expires_at"])
    _sync_perms(note)
    return note


@transaction.atomic
def update_note(*, note: Note, editor: User, body: str, visibility: str) -> Note:
    """Change a note's text and visibility; only its author may, and only while the
    mentorship is active (sharing it later would grant the former partner access)."""
    if editor.pk != note.author_id:
        raise PermissionDenied
    _check_content(body=body, visibility=visibility)
    # The mentorship first, as closing it does: it cannot close while a note of it
    # is being shared.
    _locked_mentorship(note.mentorship_id)
    # 404 if the retention purge deleted the note since the page was loaded.
    note = get_object_or_404(
        Note.objects.select_for_update(of=("self",)).select_related(
            "author", "mentorship__mentor", "mentorship__mentee"
        ),
        pk=note.pk,
    )
    if not note.mentorship.is_active:
        raise ValidationError(CLOSED_MESSAGE)
    changes_visibility = note.visibility != visibility
    note.body = body
    note.visibility = visibility
    note.save(update_fields=["body", "visibility", "updated_at"])
    if changes_visibility:
        _sync_perms(note)
    return note


@transaction.atomic
def delete_note(*, note: Note, actor: User) -> None:
    """Delete a note; only its author may. Its permission rows go with it."""
    if actor.pk != note.author_id:
        raise PermissionDenied
    # Model.delete() collects NoteUserObjectPermission / NoteGroupObjectPermission rows
    # and deletes them first, in this transaction (their foreign key is CASCADE in the
    # ORM only, not in the database).
    note.delete()


# --- Reads ----------------------------------------------------------------------------


def notes_visible_to(
    user: User | AnonymousUser, mentorship: Mentorship | None = None
) -> QuerySet[Note]:
    """Return the notes the user holds the object permission to read.

    Explicit flags: no superuser shortcut, no model-wide permission, no groups. Rows
    come with what the badge and expiry need, so listing them takes one query.
    """
    notes = _readable(user)
    if mentorship is not None:
        notes = notes.filter(mentorship=mentorship)
    return notes.select_related(
        "author",
        "checkin",
        "mentorship__mentor",
        "mentorship__mentee",
        "mentorship__cohort__program",
    )


def _readable(user: User | AnonymousUser) -> QuerySet[Note]:
    if not user.is_authenticated:
        return Note.objects.none()
    return get_objects_for_user(
        user,
        VIEW,
        klass=Note,
        accept_global_perms=False,
        with_superuser=False,
        use_groups=False,
    )


def get_note_for(
    user: User | AnonymousUser, public_id: UUID, *, write: bool = False
) -> Note:
    """Return a note the user may read, else 404; with write=True, only to its author."""
    note = get_object_or_404(notes_visible_to(user), public_id=public_id)
    if write and note.author_id != user.pk:
        raise PermissionDenied
    return note


def notes_for_page(
    user: User | AnonymousUser,
    mentorship: Mentorship,
    limit: int = 5,
    *,
    checkin: CheckIn | None = None,
) -> list[Note]:
    """Return the latest notes the user may read on a mentorship (or one check-in).

    The page holds the mentorship with its people and program already: the notes
    take it from there rather than joining those tables again.
    """
    notes = _readable(user).filter(mentorship=mentorship)
    if checkin is not None:
        notes = notes.filter(checkin=checkin)
    found = list(notes.select_related("author", "checkin")[:limit])
    for note in found:
        note.mentorship = mentorship
    return found


def note_counts(mentorship_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return {mentorship id: {"private": n, "shared": n}}: counts, never content."""
    counts = {pk: {"private": 0, "shared": 0} for pk in mentorship_ids}
    rows = (
        Note.objects.filter(mentorship_id__in=mentorship_ids)
        .order_by()
        .values("mentorship_id")
        .annotate(
            private=Count("pk", filter=Q(visibility=Note.Visibility.PRIVATE)),
            shared=Count("pk", filter=Q(visibility=Note.Visibility.SHARED)),
        )
    )
    for row in rows:
        counts[row["mentorship_id"]] = {
            "private": row["private"],
            "shared": row["shared"],
        }
    return counts


def own_notes_export(user: User, mentorship: Mentorship) -> dict:
    """Return the user's own notes on the mentorship as JSON-ready data."""
    notes = (
        notes_visible_to(user, mentorship).filter(author=user).order_by("created_at")
    )
    return {
        "mentorship": str(mentorship.public_id),
        "mentor": mentorship.mentor.full_name,
        "mentee": mentorship.mentee.full_name,
        "author": user.full_name,
        "exported_at": timezone.now().isoformat(),
        "notes": [
            {
                "id": str(note.public_id),
                "created_at": note.created_at.isoformat(),
                "expires_at": note.expires_at.isoformat() if note.expires_at else None,
                "visibility": note.visibility,
                "checkin_at": (
                    note.checkin.scheduled_at.isoformat() if note.checkin else None
                ),
                "body": note.body,
            }
            for note in notes
        ],
    }


# --- What each note says about itself (no queries: the relations come loaded) --------


def readers_label(note: Note, viewer: User | AnonymousUser) -> str:
    """Name exactly who can read the note, from the viewer's side."""
    mentorship = note.mentorship
    if not note.is_shared:
        if viewer.pk == note.author_id:
            return _("Only you")
        return _("Only %(name)s") % {"name": note.author.full_name}
    if mentorship.is_pair_member(viewer):
        return _("You and %(name)s") % {"name": mentorship.partner_of(viewer).full_name}
    return _("%(mentor)s and %(mentee)s") % {
        "mentor": mentorship.mentor.full_name,
        "mentee": mentorship.mentee.full_name,
    }


def expiry_label(note: Note, viewer: User | AnonymousUser) -> str:
    """Say until when the note is kept, in the viewer's time zone."""
    if note.expires_at is not None:
        zone = (
            viewer.zone if isinstance(viewer, User) else timezone.get_current_timezone()
        )
        day = dateformat.format(timezone.localtime(note.expires_at, zone), "j M Y")
        return _("kept until %(day)s") % {"day": day}
    days, _anchor = retention.retention_rule(note.mentorship)
    return ngettext(
        "kept until %(days)d day after the mentorship closes",
        "kept until %(days)d days after the mentorship closes",
        days,
    ) % {"days": days}
