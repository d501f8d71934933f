"""Note services: who may write, the permission rows they grant, and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorship import checkins, notes, services
from mentorship.models import Note, NoteUserObjectPermission
from mentorship.models.notes import NOTE_LIMIT
from tests import factories

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


def write(mentorship, author, visibility=PRIVATE, body="A note.", **extra):
    return notes.create_note(
        mentorship=mentorship,
        author=author,
        body=body,
        visibility=visibility,
        **extra,
    )


def perm_rows(note) -> set[tuple[int, str]]:
    rows = NoteUserObjectPermission.objects.filter(content_object=note)
    return set(rows.values_list("user_id", "permission__codename"))


def author_rows(user) -> set[tuple[int, str]]:
    return {(user.pk, "view_note"), (user.pk, "change_note"), (user.pk, "delete_note")}


@pytest.fixture
def checkin(mentorship):
    return checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentor,
        scheduled_at=timezone.now() + timedelta(days=3),
        duration=60,
    )


def test_private_note_grants_its_author_alone(mentorship, mentor):
    note = write(mentorship, mentor, PRIVATE)
    assert perm_rows(note) == author_rows(mentor)


def test_shared_note_also_lets_the_partner_read_it(mentorship, mentor, mentee):
    note = write(mentorship, mentee, SHARED)
    assert perm_rows(note) == author_rows(mentee) | {(mentor.pk, "view_note")}


def test_note_and_its_permissions_are_written_in_one_transaction(
    mentorship, mentor, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("permission table unavailable")

    monkeypatch.setattr(notes, "assign_perm", fail)
    with pytest.raises(RuntimeError):
        write(mentorship, mentor, SHARED)
    assert not Note.objects.exists()
    assert not NoteUserObjectPermission.objects.exists()


def test_new_note_expires_after_the_retention_period(mentorship, mentee):
    note = write(mentorship, mentee)
    days = mentorship.cohort.program.default_retention_days
    assert note.expires_at == note.created_at + timedelta(days=days)
    note.refresh_from_db()
    assert note.expires_at == note.created_at + timedelta(days=days)


def test_note_counted_from_closing_has_no_expiry_yet(mentorship, mentor):
    mentorship.retention_anchor = "closed"
    mentorship.retention_days = 90
    mentorship.has_signed_terms = True
    mentorship.save(
        update_fields=["retention_anchor", "retention_days", "has_signed_terms"]
    )
    assert write(mentorship, mentor).expires_at is None


def test_note_may_be_about_one_of_the_pairs_checkins(mentorship, mentor, checkin):
    assert write(mentorship, mentor, checkin=checkin).checkin == checkin


def test_checkin_of_another_mentorship_is_refused(mentorship, mentor, cohort):
    other = factories.mentorship_in(cohort)
    foreign = checkins.add_extra(
        mentorship=other,
        actor=other.mentor,
        scheduled_at=timezone.now() + timedelta(days=2),
        duration=60,
    )
    with pytest.raises(ValidationError) as error:
        write(mentorship, mentor, checkin=foreign)
    assert "checkin" in error.value.error_dict
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("body", "visibility", "field"),
    [
        ("", PRIVATE, "body"),
        ("   \n ", PRIVATE, "body"),
        ("x" * (NOTE_LIMIT + 1), PRIVATE, "body"),
        ("Fine.", "everyone", "visibility"),
    ],
)
def test_bad_content_is_refused_and_nothing_saved(
    mentorship, mentor, body, visibility, field
):
    with pytest.raises(ValidationError) as error:
        write(mentorship, mentor, visibility, body=body)
    assert field in error.value.error_dict
    assert not Note.objects.exists()


def test_longest_note_is_accepted(mentorship, mentor):
    assert len(write(mentorship, mentor, body="x" * NOTE_LIMIT).body) == NOTE_LIMIT


@pytest.mark.parametrize("who", ["supervisor", "coordinator", "outsider"])
def test_only_the_pair_writes_notes(request, mentorship, who):
    with pytest.raises(PermissionDenied):
        write(mentorship, request.getfixturevalue(who))
    assert not Note.objects.exists()


def test_no_notes_on_a_closed_mentorship(mentorship, mentor):
    services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    mentorship.refresh_from_db()
    with pytest.raises(PermissionDenied):
        write(mentorship, mentor)


def test_making_a_note_private_takes_the_partners_access_away(
    mentorship, mentor, mentee
):
    note = write(mentorship, mentor, SHARED)
    note = notes.update_note(
        note=note, editor=mentor, body="Now mine", visibility=PRIVATE
    )
    assert perm_rows(note) == author_rows(mentor)
    assert note.body == "Now mine"
    assert not notes.notes_visible_to(mentee).exists()


def test_sharing_a_note_lets_the_partner_read_it(mentorship, mentor, mentee):
    note = write(mentorship, mentee, PRIVATE)
    notes.update_note(note=note, editor=mentee, body="Shared", visibility=SHARED)
    assert perm_rows(note) == author_rows(mentee) | {(mentor.pk, "view_note")}
    assert list(notes.notes_visible_to(mentor)) == [note]


def test_editing_the_text_alone_keeps_the_permission_rows(mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    ids = set(
        NoteUserObjectPermission.objects.filter(content_object=note).values_list(
            "pk", flat=True
        )
    )
    notes.update_note(note=note, editor=mentor, body="Reworded", visibility=SHARED)
    assert ids == set(
        NoteUserObjectPermission.objects.filter(content_object=note).values_list(
            "pk", flat=True
        )
    )


def test_partner_cannot_edit_or_delete_a_shared_note(mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    with pytest.raises(PermissionDenied):
        notes.update_note(note=note, editor=mentee, body="Mine now", visibility=SHARED)
    with pytest.raises(PermissionDenied):
        notes.delete_note(note=note, actor=mentee)
    note.refresh_from_db()
    assert note.body == "A note."


def test_deleting_a_note_removes_its_permission_rows(mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    kept = write(mentorship, mentee, SHARED)
    assert NoteUserObjectPermission.objects.count() == 8
    notes.delete_note(note=note, actor=mentor)
    assert not Note.objects.filter(pk=note.pk).exists()
    assert NoteUserObjectPermission.objects.count() == 4
    assert perm_rows(kept) == author_rows(mentee) | {(mentor.pk, "view_note")}


def test_note_counts_give_numbers_per_mentorship(mentorship, mentor, mentee, cohort):
    other = factories.mentorship_in(cohort)
    quiet = factories.mentorship_in(cohort)
    write(mentorship, mentor, PRIVATE)
    write(mentorship, mentee, PRIVATE)
    write(mentorship, mentee, SHARED)
    write(other, other.mentee, SHARED)
    ids = [mentorship.pk, other.pk, quiet.pk]
    assert notes.note_counts(ids) == {
        mentorship.pk: {"private": 2, "shared": 1},
        other.pk: {"private": 0, "shared": 1},
        quiet.pk: {"private": 0, "shared": 0},
    }


def test_note_counts_take_one_query(mentorship, mentor, django_assert_num_queries):
    write(mentorship, mentor)
    with django_assert_num_queries(1):
        notes.note_counts([mentorship.pk])


# --- Admin ----------------------------------------------------------------------------


def test_admin_never_shows_a_note_body(client, mentorship, mentor):
    body = "Unique confidential text 7f3a9"
    note = write(mentorship, mentor, SHARED, body=body)
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    listing = client.get(reverse("admin:mentorship_note_changelist"))
    change = client.get(reverse("admin:mentorship_note_change", args=[note.pk]))
    assert listing.status_code == change.status_code == 200
    assert str(note.public_id) in listing.text
    assert body not in listing.text
    assert body not in change.text
    assert "7f3a9" not in change.text


def test_admin_cannot_add_change_or_delete_notes(client, mentorship, mentor):
    note = write(mentorship, mentor)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:mentorship_note_add")).status_code == 403
    change = client.get(reverse("admin:mentorship_note_change", args=[note.pk]))
    assert 'name="_save"' not in change.text
    delete = reverse("admin:mentorship_note_delete", args=[note.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Note.objects.filter(pk=note.pk).exists()
