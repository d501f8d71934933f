"""The demo seed's toolkit: published entries, one waiting, one anonymous; idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from mentorship.models import Program, ToolkitEntry, User


def seed():
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def demo(db):
    seed()
    return {user.email: user for user in User.objects.all()}


def test_seed_adds_toolkit_entries_once(demo):
    entries = ToolkitEntry.objects.all()
    before = sorted(entries.values_list("title", "status", "is_anonymous"))
    seed()
    assert sorted(entries.values_list("title", "status", "is_anonymous")) == before
    assert entries.filter(status="published").count() == 4
    waiting = entries.get(status="submitted")
    assert waiting.author == demo["mentee2@example.org"]
    anonymous = entries.get(is_anonymous=True)
    assert (anonymous.status, anonymous.author) == (
        "published",
        demo["mentee2@example.org"],
    )
    coordinator = demo["coordinator@example.org"]
    assert set(
        entries.exclude(decided_by=None).values_list("decided_by", flat=True)
    ) == {coordinator.pk}
    assert set(entries.values_list("kind", flat=True)) == set(ToolkitEntry.Kind.values)


def test_demo_accounts_see_the_toolkit_of_their_program(client, demo):
    program = Program.objects.get()
    url = reverse("mentorship:toolkit_list", args=[program.public_id])
    client.force_login(demo["mentor@example.org"])
    page = client.get(url).text
    assert "Check-ins slip when deadlines hit" in page
    assert "Iris Mentee" not in page and "Pair on a small task first" not in page
    client.force_login(demo["mentee2@example.org"])
    page = client.get(url).text
    assert "Shared by you (shown to others as Anonymous)" in page
    assert "Pair on a small task first" in page  # their own, waiting
    client.force_login(demo["coordinator@example.org"])
    review = client.get(reverse("mentorship:toolkit_review", args=[program.public_id]))
    assert [entry.title for entry, _form in review.context["rows"]] == [
        "Pair on a small task first"
    ]
    client.force_login(demo["outsider@example.org"])
    assert client.get(url).status_code == 404
