"""A pair drafts, signs and amends their agreement in two real browsers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from agreements.models import AgreementVersion
from tests import factories
from tests.browser.helpers import Shoot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_agreement(page: Page, mentorship) -> None:
    page.goto(reverse("agreements:detail", args=[mentorship.public_id]))
    expect(page.get_by_role("heading", name="Mentoring agreement")).to_be_visible()


def sign(page: Page, full_name: str) -> None:
    page.get_by_role("link", name="Read and sign").click()
    page.get_by_label("Your full name").fill(full_name)
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_label("I have read this version").check()
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Your signature is recorded.")).to_be_visible()


def test_pair_drafts_signs_and_amends(
    new_context, mentorship, mentor, mentee, shoot: Shoot
):
    # Each person in their own browser; pytest-playwright closes the contexts.
    mentor_page, mentee_page = new_context().new_page(), new_context().new_page()
    log_in(mentor_page, mentor.email, factories.PASSWORD)
    log_in(mentee_page, mentee.email, factories.PASSWORD)

    # The mentor starts and drafts; a criterion without a measure is refused first.
    open_agreement(mentor_page, mentorship)
    mentor_page.get_by_role("button", name="Start drafting").click()
    mentor_page.get_by_label("Shared purpose").fill("Grow into a tech lead role.")
    mentor_page.get_by_label("Criterion").fill("Lead design reviews")
    mentor_page.get_by_label("Target").fill("3")
    mentor_page.get_by_label("Assessed by").select_option("deliverable")
    due = mentorship.cohort.starts_on.replace(day=1).isoformat()
    mentor_page.get_by_label("Due").fill(
        max(due, mentorship.cohort.starts_on.isoformat())
    )
    mentor_page.get_by_role("button", name="Save the draft").click()
    measure = mentor_page.get_by_label("Measure")
    expect(measure).to_have_attribute("aria-invalid", "true")
    expect(mentor_page.get_by_label("Shared purpose")).to_have_value(
        "Grow into a tech lead role."
    )
    shoot(mentor_page, "01-draft-error")
    measure.fill("design reviews led")
    mentor_page.get_by_role("button", name="Save the draft").click()
    expect(mentor_page.get_by_text("Draft saved.")).to_be_visible()

    # The mentee edits the same draft, then proposes it.
    open_agreement(mentee_page, mentorship)
    mentee_page.get_by_role("link", name="Edit the draft").click()
    mentee_page.get_by_label("The mentee's aspirations").fill(
        "Lead the next migration."
    )
    mentee_page.get_by_role("button", name="Save the draft").click()
    state = mentee_page.get_by_role("region", name="Version 1: Draft")
    expect(state.get_by_text("Last changed by Eli Mentee")).to_be_visible()
    mentee_page.get_by_role("button", name="Propose for signing").click()
    shoot(mentee_page, "02-proposed")

    # Both sign, each in their own browser.
    open_agreement(mentor_page, mentorship)
    sign(mentor_page, "Maya Mentor")
    sign(mentee_page, "Eli Mentee")
    expect(mentee_page.get_by_text("In effect since")).to_be_visible()
    shoot(mentee_page, "03-effective")
    with mentee_page.expect_download() as download:
        mentee_page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.startswith("agreement-v1-")
    assert download.value.suggested_filename.endswith(".pdf")

    # An amendment: opened with a reason, changed, proposed, signed, notice waived.
    mentee_page.get_by_role("link", name="Propose an amendment").click()
    mentee_page.get_by_label("Why should the agreement change?").fill("Weekly now.")
    mentee_page.get_by_role("button", name="Open the amendment").click()
    mentee_page.get_by_label("Meeting cadence").select_option("weekly")
    mentee_page.get_by_role("button", name="Save the draft").click()
    mentee_page.get_by_role("button", name="Propose for signing").click()
    sign(mentee_page, "Eli Mentee")
    open_agreement(mentor_page, mentorship)
    expect(mentor_page.get_by_text("unless you both waive the notice")).to_be_visible()
    sign(mentor_page, "Maya Mentor")
    for page in (mentor_page, mentee_page):
        open_agreement(page, mentorship)
        page.get_by_role("button", name="Waive the notice period").click()
    expect(mentee_page.get_by_text("In effect since")).to_be_visible()
    expect(mentee_page.get_by_text("Weekly", exact=True)).to_be_visible()
    shoot(mentee_page, "04-amended")
    mentee_page.get_by_role("link", name="Compare versions").click()
    scope = mentee_page.get_by_role("region", name="Scope")
    expect(scope.get_by_role("cell", name="Every two weeks")).to_be_visible()
    expect(scope.get_by_role("cell", name="Weekly")).to_be_visible()
    shoot(mentee_page, "05-compare")

    statuses = AgreementVersion.objects.order_by("number").values_list(
        "status", flat=True
    )
    assert list(statuses) == ["superseded", "effective"]
