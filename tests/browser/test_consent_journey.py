"""A mentee shares a scoped summary, the supervisor reads it, the mentee withdraws
and the supervisor's very next request is refused; the coordinator watches the cohort
dashboard and downloads it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import Shoot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "I now lead the team's design reviews on my own."


def test_consent_summary_withdrawal_and_the_dashboard(
    new_context, mentorship, mentee, supervisor, coordinator, shoot: Shoot
):
    factories.effective_agreement(mentorship)
    mentee_page, supervisor_page = new_context().new_page(), new_context().new_page()
    log_in(mentee_page, mentee.email, factories.PASSWORD)
    log_in(supervisor_page, supervisor.email, factories.PASSWORD)
    summary_url = reverse("reviews:summary", args=[mentorship.public_id])

    # Before any consent the supervisor is refused, as for a page that does not exist.
    supervisor_page.goto(summary_url)
    expect(
        supervisor_page.get_by_role("heading", name="Page not found")
    ).to_be_visible()

    # The mentee reads the statement and shares two parts, with a summary.
    mentee_page.goto(mentorship.get_absolute_url())
    mentee_page.get_by_role("link", name="What your supervisor sees").click()
    expect(mentee_page.locator("#consent-text")).to_contain_text("Sam Supervisor")
    shoot(mentee_page, "01-consent-page")
    mentee_page.get_by_label("Check-in attendance").check()
    mentee_page.get_by_label("A summary I wrote or approved").check()
    mentee_page.get_by_role("button", name="Give consent").click()
    expect(mentee_page.get_by_text("Tick the box to agree")).to_be_visible()
    expect(mentee_page.get_by_label("Check-in attendance")).to_be_checked()
    mentee_page.get_by_label("Your summary").fill(SUMMARY)
    mentee_page.get_by_label("I agree to the statement above.").check()
    mentee_page.get_by_role("button", name="Give consent").click()
    expect(mentee_page.get_by_text("Your consent is recorded")).to_be_visible()
    shoot(mentee_page, "02-consent-given")

    # The supervisor reads exactly the two parts.
    supervisor_page.goto(reverse("reviews:supervision"))
    supervisor_page.get_by_role("link", name="Eli Mentee").click()
    expect(supervisor_page.get_by_text(SUMMARY)).to_be_visible()
    expect(
        supervisor_page.get_by_role("heading", name="Check-in attendance")
    ).to_be_visible()
    expect(
        supervisor_page.get_by_role("heading", name="Success criteria")
    ).to_have_count(0)
    expect(
        supervisor_page.get_by_role("heading", name="Scorecard trend")
    ).to_have_count(0)
    shoot(supervisor_page, "03-supervisor-summary")

    # The mentee previews the same page and sees the supervisor's visit logged.
    mentee_page.get_by_role("link", name="See exactly what they see").click()
    expect(mentee_page.get_by_text(SUMMARY)).to_be_visible()
    mentee_page.get_by_role("link", name="Back to your consent").click()
    expect(mentee_page.get_by_text("Read the summary")).to_be_visible()

    # One click withdraws it; the supervisor's next request is refused.
    mentee_page.get_by_role("button", name="Withdraw consent").click()
    expect(mentee_page.get_by_text("Your consent is withdrawn")).to_be_visible()
    shoot(mentee_page, "04-consent-withdrawn")
    supervisor_page.reload()
    expect(
        supervisor_page.get_by_role("heading", name="Page not found")
    ).to_be_visible()
    expect(supervisor_page.get_by_text(SUMMARY)).to_have_count(0)
    shoot(supervisor_page, "05-supervisor-refused")

    # The coordinator opens the cohort dashboard and downloads it as CSV.
    coordinator_page = new_context(accept_downloads=True).new_page()
    log_in(coordinator_page, coordinator.email, factories.PASSWORD)
    coordinator_page.goto(mentorship.cohort.get_absolute_url())
    coordinator_page.get_by_role("link", name="Dashboard").click()
    expect(coordinator_page.get_by_role("heading", level=1)).to_contain_text(
        "Dashboard"
    )
    shoot(coordinator_page, "06-cohort-dashboard")
    with coordinator_page.expect_download() as download_info:
        coordinator_page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    flat = " ".join(" ".join(row) for row in rows)
    assert "Maya Mentor" in flat and "Eli Mentee" in flat
    assert SUMMARY not in flat
