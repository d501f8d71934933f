"""A pair records a check-in and keeps notes; the coordinator sees counts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from mentorship.models import CheckIn, Note
from tests import factories
from tests.browser.helpers import Shoot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIVATE_TEXT = "Only for me: ask about the team-lead opening."
SHARED_TEXT = "For both of us: the talk outline we agreed."


def test_pair_records_a_checkin_and_keeps_notes(
    new_context, mentorship, mentor, mentee, coordinator, shoot: Shoot
):
    factories.effective_agreement(mentorship)
    past = CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timedelta(hours=2),
        origin=CheckIn.Origin.EXTRA,
    )
    mentor_page, mentee_page = new_context().new_page(), new_context().new_page()
    log_in(mentor_page, mentor.email, factories.PASSWORD)
    log_in(mentee_page, mentee.email, factories.PASSWORD)

    # The mentor records the check-in; a half-filled feedback item is refused first.
    mentor_page.goto(mentorship.get_absolute_url())
    expect(
        mentor_page.get_by_role("heading", name="Upcoming check-ins")
    ).to_be_visible()
    shoot(mentor_page, "01-mentorship-page")
    mentor_page.goto(reverse("mentorship:checkin_record", args=[past.public_id]))
    mentor_page.get_by_label("Held").check()
    mentor_page.get_by_label("How you met").select_option("video")
    mentor_page.get_by_label("Progress since last time").fill("Outline drafted.")
    mentor_page.get_by_label("Situation").fill("Tuesday's design review.")
    mentor_page.get_by_role("button", name="Save the record").click()
    expect(
        mentor_page.get_by_text("Give all four parts, or leave all empty.").first
    ).to_be_visible()
    expect(mentor_page.get_by_label("Progress since last time")).to_have_value(
        "Outline drafted."
    )
    shoot(mentor_page, "02-record-error")
    mentor_page.get_by_label("Observation").fill("You kept to time.")
    mentor_page.get_by_label("Impact").fill("The team decided quickly.")
    mentor_page.get_by_label("Suggestion").fill("Send options ahead.")
    mentor_page.get_by_label("Skill development").select_option("4")
    mentor_page.get_by_role("button", name="Save the record").click()
    expect(mentor_page.get_by_text("The check-in was recorded.")).to_be_visible()
    expect(
        mentor_page.get_by_text("Who can see this: you and Eli Mentee")
    ).to_be_visible()
    shoot(mentor_page, "03-checkin-recorded")

    # The mentor writes a private note about it; the mentee writes a shared one.
    mentor_page.get_by_role("link", name="Write a note").click()
    mentor_page.get_by_label("Note", exact=False).first.fill(PRIVATE_TEXT)
    mentor_page.get_by_label("Private: only you").check()
    mentor_page.get_by_role("button", name="Save note").click()
    expect(mentor_page.get_by_text("Only you").first).to_be_visible()
    shoot(mentor_page, "04-private-note")

    mentee_page.goto(reverse("mentorship:note_create", args=[mentorship.public_id]))
    mentee_page.get_by_label("Note", exact=False).first.fill(SHARED_TEXT)
    mentee_page.get_by_label("Shared: you and Maya Mentor").check()
    mentee_page.get_by_role("button", name="Save note").click()
    mentee_page.goto(mentorship.get_absolute_url())
    expect(mentee_page.get_by_text(SHARED_TEXT)).to_be_visible()
    expect(mentee_page.get_by_text(PRIVATE_TEXT)).to_have_count(0)
    expect(mentee_page.get_by_text("Outline drafted.")).to_have_count(
        0
    )  # not on this page
    shoot(mentee_page, "05-mentee-sees-shared-only")

    mentor_page.goto(mentorship.get_absolute_url())
    expect(mentor_page.get_by_text(SHARED_TEXT)).to_be_visible()
    expect(mentor_page.get_by_text(PRIVATE_TEXT)).to_be_visible()
    assert Note.objects.filter(mentorship=mentorship).count() == 2

    # The coordinator's view: counts, no content.
    coordinator_page = new_context().new_page()
    log_in(coordinator_page, coordinator.email, factories.PASSWORD)
    coordinator_page.goto(
        reverse("mentorship:cohort_activity", args=[mentorship.cohort.public_id])
    )
    row = coordinator_page.get_by_role("row", name="Maya Mentor → Eli Mentee")
    expect(row).to_be_visible()
    for secret in (PRIVATE_TEXT, SHARED_TEXT, "Outline drafted."):
        expect(coordinator_page.get_by_text(secret)).to_have_count(0)
    shoot(coordinator_page, "06-coordinator-activity")
