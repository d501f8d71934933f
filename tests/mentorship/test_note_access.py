"""Who reads which note: the lists and the detail page agree, and match the rule.

The rule: a private note is read by its author alone, a shared note by both people of
the pair. Nobody else reads a note: not a coordinator, a supervisor, a superuser, nor
someone holding the model-wide "view note" permission.
"""

from __future__ import annotations

import random
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mentorship import notes
from mentorship.models import Note
from tests import factories

PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED
NOTE_LINK = re.compile(r'href="/notes/([0-9a-f-]{36})/"')
CAST = [
    "mentor",
    "mentee",
    "outsider",
    "coordinator",
    "supervisor",
    "superuser",
    "global_viewer",
]


def write(mentorship, author, visibility):
    return notes.create_note(
        mentorship=mentorship,
        author=author,
        body=f"{visibility} note by {author.full_name}",
        visibility=visibility,
    )


@pytest.fixture
def superuser(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def global_viewer(db):
    """Holds mentorship.view_note for the whole model, granted the ordinary way."""
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="mentorship", codename="view_note"
        )
    )
    return user


@pytest.fixture
def other_pair(cohort):
    return factories.mentorship_in(cohort)


@pytest.fixture
def cast_notes(mentorship, mentor, mentee, other_pair):
    return {
        "mentor_private": write(mentorship, mentor, PRIVATE),
        "mentee_private": write(mentorship, mentee, PRIVATE),
        "mentor_shared": write(mentorship, mentor, SHARED),
        "mentee_shared": write(mentorship, mentee, SHARED),
        "other_pair_shared": write(other_pair, other_pair.mentor, SHARED),
        "other_pair_private": write(other_pair, other_pair.mentee, PRIVATE),
    }


EXPECTED = {
    "mentor": {"mentor_private", "mentor_shared", "mentee_shared"},
    "mentee": {"mentee_private", "mentee_shared", "mentor_shared"},
}


def listed_on_pages(client, mentorships) -> set[str]:
    """Public ids of the notes linked from each mentorship's note list (404 = none)."""
    found: set[str] = set()
    for mentorship in mentorships:
        page = client.get(reverse("mentorship:note_list", args=[mentorship.public_id]))
        assert page.status_code in (200, 404)
        if page.status_code == 200:
            found |= set(NOTE_LINK.findall(page.text))
    return found


def readable_in_detail(client, all_notes) -> set[str]:
    readable = set()
    for note in all_notes:
        status = client.get(note.get_absolute_url()).status_code
        assert status in (200, 404)
        if status == 200:
            readable.add(str(note.public_id))
    return readable


@pytest.mark.parametrize("who", CAST)
def test_lists_and_detail_agree_with_the_rule(
    client, request, mentorship, other_pair, cast_notes, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    ids = {name: str(note.public_id) for name, note in cast_notes.items()}
    expected = {ids[name] for name in EXPECTED.get(who, set())}

    queried = {str(n.public_id) for n in notes.notes_visible_to(user)}
    listed = listed_on_pages(client, [mentorship, other_pair])
    readable = readable_in_detail(client, cast_notes.values())

    assert queried == listed == readable == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_edits_the_lists_and_detail_still_agree(
    client, mentorship, mentor, mentee, other_pair, seed
):
    """Random writes, visibility flips and deletes; then check every reader."""
    rng = random.Random(seed)
    model: dict[int, tuple[str, str]] = {}  # pk -> (author role, visibility)
    people = {"mentor": mentor, "mentee": mentee}
    for _step in range(14):
        live = list(Note.objects.filter(mentorship=mentorship))
        action = rng.choice(["write", "write", "flip", "delete"]) if live else "write"
        if action == "write":
            role, visibility = rng.choice(list(people)), rng.choice([PRIVATE, SHARED])
            note = write(mentorship, people[role], visibility)
            model[note.pk] = (role, visibility)
        elif action == "flip":
            note = rng.choice(live)
            role, visibility = model[note.pk]
            flipped = SHARED if visibility == PRIVATE else PRIVATE
            notes.update_note(
                note=note, editor=people[role], body="Edited", visibility=flipped
            )
            model[note.pk] = (role, flipped)
        else:
            note = rng.choice(live)
            notes.delete_note(note=note, actor=people[model.pop(note.pk)[0]])
    write(other_pair, other_pair.mentee, SHARED)
    all_notes = list(Note.objects.all())
    for role, user in people.items():
        expected = {
            str(n.public_id)
            for n in all_notes
            if n.pk in model and (model[n.pk][0] == role or model[n.pk][1] == SHARED)
        }
        client.force_login(user)
        queried = {str(n.public_id) for n in notes.notes_visible_to(user)}
        listed = listed_on_pages(client, [mentorship, other_pair])
        assert queried == listed == readable_in_detail(client, all_notes) == expected


def test_get_note_for_write_is_the_author_alone(mentorship, mentor, mentee):
    note = write(mentorship, mentor, SHARED)
    assert notes.get_note_for(mentor, note.public_id, write=True) == note
    assert notes.get_note_for(mentee, note.public_id) == note
    with pytest.raises(PermissionDenied):
        notes.get_note_for(mentee, note.public_id, write=True)


# --- The permission matrix of the note pages ------------------------------------------


def _url(name, note, mentorship):
    target = mentorship if name in {"note_list", "note_create", "note_export"} else note
    return reverse(f"mentorship:{name}", args=[target.public_id])


PAGES = ["note_list", "note_create", "note_export", "note_detail"]
PAGES += ["note_edit", "note_delete"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 404),
        ("supervisor", 404),
        ("outsider", 404),
        ("superuser", 404),
        ("global_viewer", 404),
    ],
)
def test_nobody_outside_the_pair_reaches_a_note_page(
    client, request, mentorship, mentor, page, who, status
):
    note = write(mentorship, mentor, SHARED)
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(page, note, mentorship)).status_code == status


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("note_list", 200),
        ("note_create", 200),
        ("note_export", 200),
        ("note_detail", 200),
        ("note_edit", 403),
        ("note_delete", 403),
    ],
)
def test_partner_reads_a_shared_note_but_cannot_change_it(
    client, mentorship, mentor, mentee, page, status
):
    note = write(mentorship, mentor, SHARED)
    client.force_login(mentee)
    assert client.get(_url(page, note, mentorship)).status_code == status


@pytest.mark.parametrize("page", ["note_detail", "note_edit", "note_delete"])
def test_partners_private_note_does_not_exist_for_them(
    client, mentorship, mentor, mentee, page
):
    note = write(mentorship, mentor, PRIVATE)
    client.force_login(mentee)
    assert client.get(_url(page, note, mentorship)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, mentorship, mentor, page):
    url = _url(page, write(mentorship, mentor, PRIVATE), mentorship)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("page", "method"),
    [
        ("note_list", "post"),
        ("note_export", "post"),
        ("note_detail", "post"),
        ("note_create", "put"),
        ("note_edit", "delete"),
        ("note_delete", "put"),
    ],
)
def test_wrong_method_is_refused(client, mentorship, mentor, page, method):
    note = write(mentorship, mentor, PRIVATE)
    client.force_login(mentor)
    response = getattr(client, method)(_url(page, note, mentorship))
    assert response.status_code == 405
    assert Note.objects.filter(pk=note.pk, body=note.body).exists()
