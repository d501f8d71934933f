"""The demo seed: idempotent, guarded, and each account sees only its own world."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from mentorship import notes
from mentorship.management.commands.seed_demo import DEMO_PASSWORD
from mentorship.models import (
    CheckIn,
    Cohort,
    FeedbackItem,
    Membership,
    Mentorship,
    Note,
    NoteUserObjectPermission,
    Program,
    Reminder,
    ScorecardRating,
    User,
)

ACCOUNTS = [
    "coordinator@example.org",
    "mentor@example.org",
    "mentee@example.org",
    "mentor2@example.org",
    "mentee2@example.org",
    "supervisor@example.org",
    "outsider@example.org",
]


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    return {user.email: user for user in User.objects.all()}


COUNTED = (
    User,
    Program,
    Cohort,
    Membership,
    Mentorship,
    CheckIn,
    FeedbackItem,
    ScorecardRating,
    Note,
    NoteUserObjectPermission,
    Reminder,
)


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_seed_creates_the_demo_and_is_idempotent(demo):
    assert sorted(demo) == sorted(ACCOUNTS)
    assert all(user.check_password(DEMO_PASSWORD) for user in demo.values())
    before = _counts()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before
    people = ("User", "Program", "Cohort", "Membership", "Mentorship")
    assert [before[name] for name in people] == [7, 1, 1, 5, 2]
    # Four notes per pair, each with its author's three rows (+ the partner's view
    # on the two shared ones); the activity itself claims no reminders.
    assert (before["Note"], before["NoteUserObjectPermission"]) == (8, 28)
    assert before["CheckIn"] > 5 and before["Reminder"] == 0
    pair = Mentorship.objects.get(mentee=demo["mentee@example.org"])
    assert pair.mentor == demo["mentor@example.org"]
    assert pair.supervisor == demo["supervisor@example.org"]


def test_seed_refuses_without_debug_unless_forced(db):
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    with override_settings(DEBUG=False):
        call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.count() == 7


# What each demo account sees on its home page, and what it must not see.
WORLDS = {
    "coordinator@example.org": (["Engineering Mentoring"], ["Eli Mentee"]),
    "mentor@example.org": (["You mentor Eli Mentee"], ["Iris Mentee", "Noah Mentor"]),
    "mentee@example.org": (["Maya Mentor mentors you"], ["Iris Mentee", "Noah Mentor"]),
    "mentor2@example.org": (["You mentor Iris Mentee"], ["Eli Mentee", "Maya Mentor"]),
    "mentee2@example.org": (["Noah Mentor mentors you"], ["Eli Mentee", "Maya Mentor"]),
    "supervisor@example.org": (
        ["Eli Mentee, mentored by Maya Mentor"],
        ["Iris Mentee"],
    ),
    "outsider@example.org": (
        ["not in any cohort"],
        ["Engineering Mentoring", "Mentee"],
    ),
}


@pytest.mark.parametrize("email", ACCOUNTS)
def test_each_demo_account_logs_in_and_sees_only_its_world(client, demo, email):
    response = client.post(
        reverse("login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get(reverse("home")).text
    shown, hidden = WORLDS[email]
    for text in shown:
        assert text in home
    for text in hidden:
        assert text not in home


# --- The demo's activity --------------------------------------------------------------


def _pairs(demo):
    signed = Mentorship.objects.get(mentor=demo["mentor@example.org"])
    drafting = Mentorship.objects.get(mentor=demo["mentor2@example.org"])
    return signed, drafting


def test_seed_gives_checkins_in_every_state(demo):
    signed, _drafting = _pairs(demo)
    statuses = set(CheckIn.objects.values_list("status", flat=True))
    assert statuses == {"held", "missed", "cancelled", "scheduled"}
    history = signed.checkins.exclude(status="scheduled").order_by("scheduled_at")
    assert [c.status for c in history] == ["held", "missed", "held", "cancelled"]
    cancelled = signed.checkins.get(status="cancelled")
    assert cancelled.change_reason == "Maya is on leave that week."
    assert cancelled.changed_by == demo["mentor@example.org"]
    moved = signed.checkins.get(rescheduled_from__isnull=False)
    assert moved.status == "scheduled"
    assert moved.scheduled_at - moved.rescheduled_from == timedelta(days=1)
    assert moved.change_reason == "Eli is at the offsite that day."
    extra_ahead = signed.checkins.upcoming().filter(origin="extra")
    assert extra_ahead.count() == 1
    assert extra_ahead.get().created_by == demo["mentor@example.org"]
    assert signed.checkins.upcoming().filter(origin="series").count() > 5


def test_held_checkins_have_feedback_and_ratings(demo):
    signed, _drafting = _pairs(demo)
    held = list(CheckIn.objects.filter(status="held"))
    assert len(held) == 2 and all(c.mentorship == signed for c in held)
    for checkin in held:
        assert checkin.format and checkin.alignment and checkin.next_steps
        item = checkin.feedback_items.get()
        assert item.situation and item.observation and item.impact
        assert item.suggestion and item.given_by in (signed.mentor, signed.mentee)
        assert list(checkin.ratings.values_list("dimension", "rating")) == [
            ("Skill development", 3),
            ("Project delivery", 4),
            ("Professional behaviours", 4),
        ]
    others = CheckIn.objects.exclude(status="held")
    assert not FeedbackItem.objects.filter(checkin__in=others).exists()
    assert not ScorecardRating.objects.filter(checkin__in=others).exists()


AUTHOR_ROWS = {"view_note", "change_note", "delete_note"}


def _perm_rows(note):
    return set(
        NoteUserObjectPermission.objects.filter(content_object=note).values_list(
            "user_id", "permission__codename"
        )
    )


def test_seeded_notes_are_private_and_shared_with_the_right_readers(demo):
    seeded = list(Note.objects.select_related("mentorship"))
    bodies = [note.body for note in seeded]
    assert len(set(bodies)) == len(bodies) == 8
    for mentorship in _pairs(demo):
        kinds = sorted(
            mentorship.notes.values_list("author_id", "visibility").order_by()
        )
        assert kinds == sorted(
            (author.pk, visibility)
            for author in (mentorship.mentor, mentorship.mentee)
            for visibility in ("private", "shared")
        )
    for note in seeded:
        partner = note.mentorship.partner_of(note.author)
        expected = {(note.author_id, codename) for codename in AUTHOR_ROWS}
        if note.visibility == "shared":
            expected.add((partner.pk, "view_note"))
        assert _perm_rows(note) == expected, note.body
        assert note in notes.notes_visible_to(note.author)
        assert (note in notes.notes_visible_to(partner)) == note.is_shared
        assert note.expires_at is not None


def test_the_drafting_pair_is_drifting_and_the_signed_pair_is_not(client, demo):
    signed, drafting = _pairs(demo)
    assert not drafting.has_signed_terms
    assert drafting.is_drifting and drafting.missed_in_row == 1
    assert not signed.is_drifting and signed.missed_in_row == 0
    client.force_login(demo["mentor2@example.org"])
    page = client.get(drafting.get_absolute_url()).content.decode()
    assert "1 check-in missed or left unrecorded." in page
