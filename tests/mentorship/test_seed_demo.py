"""The demo seed: idempotent, guarded, and each account sees only its own world."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from mentorship.management.commands.seed_demo import DEMO_PASSWORD
from mentorship.models import Cohort, Membership, Mentorship, Program, User

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


def _counts():
    models = (User, Program, Cohort, Membership, Mentorship)
    return [model.objects.count() for model in models]


def test_seed_creates_the_demo_and_is_idempotent(demo):
    assert sorted(demo) == sorted(ACCOUNTS)
    assert all(user.check_password(DEMO_PASSWORD) for user in demo.values())
    before = _counts()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before == [7, 1, 1, 5, 2]
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
