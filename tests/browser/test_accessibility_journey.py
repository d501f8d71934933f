"""All four roles in one journey, with axe-core run on every page they visit.

The coordinator sets up a program and a cohort, invites and pairs three people; the
pair drafts and signs their agreement (the mentor by keyboard alone), records a
check-in, completes a progress review and amends the agreement; the mentee shares a
summary with the supervisor, who reads it, and withdraws it, after which the
supervisor is refused. Every document loaded is screenshotted and checked by axe-core
(tests/browser/axe.py): no serious or critical violation may remain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from agreements.models import AgreementVersion, Signature
from mentorship.models import CheckIn, Mentorship
from reviews.models import ProgressReview
from tests import factories
from tests.browser.axe import PageAudit, screenshots_dir, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lantern orchard quietly 47"
SUMMARY = "I now run the team's design reviews on my own."
# Name, email and role of each person the coordinator invites, supervisor first.
PEOPLE = [
    ("Sam Supervisor", "sam@example.org", "Supervisor"),
    ("Maya Mentor", "maya@example.org", "Mentor"),
    ("Eli Mentee", "eli@example.org", "Mentee"),
]


@pytest.fixture
def audit(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> Iterator[PageAudit]:
    """The audit of one test; its report is printed and kept beside the screenshots."""
    pages = PageAudit(folder=screenshots_dir() / request.node.originalname)
    for old in pages.folder.glob("*.png"):
        old.unlink()
    yield pages
    pages.folder.mkdir(parents=True, exist_ok=True)
    (pages.folder / "axe-report.txt").write_text(pages.report() + "\n")
    with capsys.disabled():
        print("\n" + pages.report())


@pytest.fixture
def open_page(new_context: Callable[..., BrowserContext], audit: PageAudit) -> Any:
    """A page in a browser of its own for each person, watched by the audit."""
    return lambda: audit.watch(new_context().new_page())


def heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def coordinator_signs_in(audit: PageAudit, page: Page, email: str) -> None:
    response = page.goto("/accounts/login/")
    # axe-core runs through page.evaluate, under the app's CSP as served.
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src" in csp and "unsafe-inline" not in csp
    audit.check(page, "coordinator-login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    heading(page, re.compile(r"^Hello, "))
    audit.check(page, "coordinator-home")


def set_up_cohort(audit: PageAudit, page: Page) -> None:
    """The coordinator creates the program and a cohort and invites three people."""
    page.get_by_role("link", name="New program").click()
    heading(page, "New program")
    audit.check(page, "coordinator-program-form")
    page.get_by_label("Name").fill("Engineering mentoring")
    page.get_by_label("Scorecard dimensions").fill(
        "Skill development, Project delivery, Professional behaviours"
    )
    page.get_by_role("button", name="Create program").click()
    heading(page, "Engineering mentoring")
    audit.check(page, "coordinator-program")
    page.get_by_role("link", name="New cohort").click()
    heading(page, "New cohort in Engineering mentoring")
    audit.check(page, "coordinator-cohort-form")
    starts = timezone.localdate() - timedelta(days=7)
    page.get_by_label("Name").fill("Spring cohort")
    page.get_by_label("Starts on").fill(starts.isoformat())
    page.get_by_label("Ends on").fill(starts.isoformat())
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_label("Ends on")).to_have_attribute("aria-invalid", "true")
    audit.check(page, "coordinator-cohort-form-error")
    page.get_by_label("Ends on").fill((starts + timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Create cohort").click()
    heading(page, "Spring cohort")
    audit.check(page, "coordinator-cohort")
    for name, email, role in PEOPLE:
        page.get_by_role("link", name="Invite someone").click()
        audit.check(page, f"coordinator-invite-{role}")
        page.get_by_label("Email*", exact=True).fill(email)
        page.get_by_label("Name").fill(name)
        page.get_by_label("Role").select_option(label=role)
        if role == "Mentee":
            page.get_by_label("Supervisor's email").fill("sam@example.org")
        page.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_role("status")).to_have_text(f"Invitation sent to {email}.")
        audit.check(page, f"coordinator-invited-{role}")


def join(audit: PageAudit, page: Page, email: str, who: str) -> None:
    """Open the emailed invitation, create the account and fill in the profile."""
    (message,) = [m for m in mail.outbox if m.to == [email]]
    link = re.search(r"https?://[^/\s]+(/join/\S+/)", str(message.body))
    assert link, message.body
    page.goto(link.group(1))
    audit.check(page, f"{who}-invitation")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    heading(page, re.compile(r"^Hello, "))
    audit.check(page, f"{who}-home")
    if who == "supervisor":
        return
    page.get_by_role("link", name="Edit your profile").click()
    audit.check(page, f"{who}-profile")
    label = "Strengths" if who == "mentor" else "Goals"
    page.get_by_label(label).fill("public speaking, system design")
    page.get_by_label("Weekday evenings").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    audit.check(page, f"{who}-profile-saved")


def pair(audit: PageAudit, page: Page) -> None:
    page.get_by_role("link", name="Spring cohort").click()
    audit.check(page, "coordinator-cohort-members")
    page.get_by_role("link", name="Pair people").click()
    heading(page, "Pair a mentor with a mentee")
    audit.check(page, "coordinator-pairing")
    page.get_by_role("button", name="Pair Maya Mentor with Eli Mentee").click()
    expect(page.get_by_role("status")).to_have_text(
        "Paired Maya Mentor mentoring Eli Mentee."
    )
    audit.check(page, "coordinator-paired")


def open_agreement(audit: PageAudit, page: Page, who: str, step: str) -> None:
    page.goto("/")
    audit.check(page, f"{who}-home")
    page.get_by_role("link", name=re.compile("mentors you|You mentor")).click()
    audit.check(page, f"{who}-mentorship")
    page.get_by_role("link", name="Open the agreement").click()
    heading(page, "Mentoring agreement")
    audit.check(page, f"{who}-agreement-{step}")


def draft_and_propose(audit: PageAudit, mentor: Page, mentee: Page) -> None:
    open_agreement(audit, mentor, "mentor", "none")
    mentor.get_by_role("button", name="Start drafting").click()
    audit.check(mentor, "mentor-draft-form")
    mentor.get_by_label("Shared purpose").fill("Grow into a tech lead role.")
    mentor.get_by_label("Criterion").fill("Lead design reviews")
    mentor.get_by_label("Target").fill("3")
    mentor.get_by_label("Assessed by").select_option("deliverable")
    mentor.get_by_label("Due").fill((timezone.localdate() + timedelta(60)).isoformat())
    mentor.get_by_role("button", name="Save the draft").click()
    expect(mentor.get_by_label("Measure")).to_have_attribute("aria-invalid", "true")
    audit.check(mentor, "mentor-draft-error")
    mentor.get_by_label("Measure").fill("design reviews led")
    mentor.get_by_role("button", name="Save the draft").click()
    expect(mentor.get_by_text("Draft saved.")).to_be_visible()
    audit.check(mentor, "mentor-draft-saved")

    open_agreement(audit, mentee, "mentee", "draft")
    mentee.get_by_role("button", name="Propose for signing").click()
    expect(mentee.get_by_text("mentor not yet")).to_be_visible()
    audit.check(mentee, "mentee-proposed")


def sign_by_keyboard(audit: PageAudit, page: Page, full_name: str) -> None:
    """Sign with Tab, Shift+Tab, Space, Enter and typing only: no clicks, no fill."""
    tab_to(page, lambda el: el["text"] == "Read and sign")
    page.keyboard.press("Enter")
    heading(page, "Read and sign")
    audit.check(page, "mentor-sign-form")
    tab_to(page, lambda el: el["name"] == "typed_name")
    page.keyboard.type(full_name)
    tab_to(page, lambda el: el["name"] == "password")
    page.keyboard.type("wrong password, typed on purpose")
    tab_to(page, lambda el: el["name"] == "intent")
    page.keyboard.press("Space")
    # Back up to the password to correct it, then forward to the button.
    tab_to(page, lambda el: el["name"] == "password", backwards=True)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Sign")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your signature is recorded.")).to_be_visible()
    audit.check(page, "mentor-signed-by-keyboard")


def sign_by_mouse(audit: PageAudit, page: Page, who: str, full_name: str) -> None:
    page.get_by_role("link", name="Read and sign").click()
    audit.check(page, f"{who}-sign-form")
    page.get_by_label("Your full name").fill(full_name)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I have read this version").check()
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Your signature is recorded.")).to_be_visible()
    audit.check(page, f"{who}-signed")


def record_checkin(audit: PageAudit, page: Page, mentorship: Mentorship) -> None:
    # The app plans check-ins ahead only; this one has just taken place.
    CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timedelta(hours=2),
        origin=CheckIn.Origin.EXTRA,
    )
    page.goto(mentorship.get_absolute_url())
    audit.check(page, "mentor-mentorship-effective")
    page.get_by_role("region", name="Past check-ins").get_by_role("link").click()
    audit.check(page, "mentor-checkin")
    page.get_by_role("link", name="Record this check-in").click()
    audit.check(page, "mentor-checkin-form")
    page.get_by_label("Held").check()
    page.get_by_label("How you met").select_option("video")
    page.get_by_label("Progress since last time").fill("Outline drafted.")
    page.get_by_label("Situation").fill("Tuesday's design review.")
    page.get_by_role("button", name="Save the record").click()
    expect(
        page.get_by_text("Give all four parts, or leave all empty.").first
    ).to_be_visible()
    audit.check(page, "mentor-checkin-form-error")
    page.get_by_label("Observation").fill("You kept to time.")
    page.get_by_label("Impact").fill("The team decided quickly.")
    page.get_by_label("Suggestion").fill("Send options ahead.")
    page.get_by_label("Skill development").select_option("4")
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The check-in was recorded.")).to_be_visible()
    audit.check(page, "mentor-checkin-recorded")


def assess(audit: PageAudit, page: Page, who: str, mentorship: Mentorship) -> None:
    page.goto(mentorship.get_absolute_url())
    audit.check(page, f"{who}-mentorship-review")
    page.get_by_role("link", name="Reviews and scorecard").click()
    audit.check(page, f"{who}-reviews")
    page.get_by_role("table").get_by_role("link").first.click()
    heading(page, re.compile("^Progress review due"))
    audit.check(page, f"{who}-review")
    form = page.get_by_role("group", name="Lead design reviews")
    form.get_by_label("Status").select_option(label="On track")
    form.get_by_label("Evidence").fill("Led two of three reviews.")
    form.get_by_label("4").check()
    page.get_by_role("button", name="Save my assessment").click()
    expect(page.get_by_text("Your assessment is saved.")).to_be_visible()
    audit.check(page, f"{who}-review-assessed")


def complete_review(audit: PageAudit, page: Page) -> None:
    page.reload()
    audit.check(page, "mentee-review-to-complete")
    page.get_by_label("What counts as progress").fill("Leading reviews alone.")
    page.get_by_label("What counts as a setback").fill("Skipping a review.")
    page.get_by_label("How goals adapt").fill("We add a stretch goal.")
    scorecard = page.get_by_role("group", name="The scorecard today")
    for dimension in ("Skill development", "Project delivery", "Professional"):
        scorecard.get_by_role("group", name=dimension).get_by_label("4").check()
    page.get_by_label("Continue as agreed").check()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.get_by_text("Review complete.")).to_be_visible()
    audit.check(page, "mentee-review-completed")


def amend(audit: PageAudit, mentee: Page, mentor: Page) -> None:
    open_agreement(audit, mentee, "mentee", "effective")
    mentee.get_by_role("link", name="Propose an amendment").click()
    audit.check(mentee, "mentee-amend-form")
    mentee.get_by_label("Why should the agreement change?").fill("Weekly now.")
    mentee.get_by_role("button", name="Open the amendment").click()
    audit.check(mentee, "mentee-amendment-draft")
    mentee.get_by_label("Meeting cadence").select_option("weekly")
    mentee.get_by_role("button", name="Save the draft").click()
    expect(mentee.get_by_text("Draft saved.")).to_be_visible()
    audit.check(mentee, "mentee-amendment-saved")
    mentee.get_by_role("button", name="Propose for signing").click()
    expect(mentee.get_by_text("unless you both waive the notice")).to_be_visible()
    audit.check(mentee, "mentee-amendment-proposed")
    sign_by_mouse(audit, mentee, "mentee", "Eli Mentee")
    mentee.get_by_role("button", name="Waive the notice period").click()
    audit.check(mentee, "mentee-waived")
    open_agreement(audit, mentor, "mentor", "amendment")
    sign_by_mouse(audit, mentor, "mentor", "Maya Mentor")
    mentor.get_by_role("button", name="Waive the notice period").click()
    expect(mentor.get_by_text("In effect since")).to_be_visible()
    audit.check(mentor, "mentor-amendment-effective")
    mentor.get_by_role("link", name="Compare versions").click()
    audit.check(mentor, "mentor-compare")


def consent_and_withdraw(audit: PageAudit, mentee: Page, supervisor: Page) -> None:
    mentee.get_by_role("link", name=re.compile("Maya Mentor mentoring")).click()
    audit.check(mentee, "mentee-mentorship-consent")
    mentee.get_by_role("link", name="What your supervisor sees").click()
    audit.check(mentee, "mentee-consent")
    mentee.get_by_label("Progress on the success criteria").check()
    mentee.get_by_label("A summary I wrote or approved").check()
    mentee.get_by_label("Your summary").fill(SUMMARY)
    mentee.get_by_role("button", name="Give consent").click()
    expect(mentee.get_by_text("Tick the box to agree")).to_be_visible()
    audit.check(mentee, "mentee-consent-error")
    mentee.get_by_label("I agree to the statement above.").check()
    mentee.get_by_role("button", name="Give consent").click()
    expect(mentee.get_by_text("Your consent is recorded")).to_be_visible()
    audit.check(mentee, "mentee-consent-given")

    supervisor.goto("/")
    audit.check(supervisor, "supervisor-home")
    supervisor.get_by_role("link", name="Summaries shared with you").click()
    audit.check(supervisor, "supervisor-list")
    supervisor.get_by_role("link", name="Eli Mentee").click()
    expect(supervisor.get_by_text(SUMMARY)).to_be_visible()
    expect(supervisor.get_by_role("heading", name="Success criteria")).to_be_visible()
    expect(supervisor.get_by_role("heading", name="Check-in attendance")).to_have_count(
        0
    )
    audit.check(supervisor, "supervisor-summary")

    mentee.get_by_role("link", name="See exactly what they see").click()
    audit.check(mentee, "mentee-preview")
    mentee.get_by_role("link", name="Back to your consent").click()
    audit.check(mentee, "mentee-consent-viewed")
    mentee.get_by_role("button", name="Withdraw consent").click()
    expect(mentee.get_by_text("Your consent is withdrawn")).to_be_visible()
    audit.check(mentee, "mentee-consent-withdrawn")

    response = supervisor.reload()
    assert response is not None and response.status == 404
    heading(supervisor, "Page not found")
    expect(supervisor.get_by_text(SUMMARY)).to_have_count(0)
    audit.check(supervisor, "supervisor-refused")


def test_four_roles_on_accessible_pages(open_page, audit: PageAudit) -> None:
    factories.UserFactory(
        email="cora@example.org",
        full_name="Cora Coordinator",
        coordinator=True,
        password=PASSWORD,
    )
    coordinator = open_page()
    coordinator_signs_in(audit, coordinator, "cora@example.org")
    set_up_cohort(audit, coordinator)
    supervisor, mentor, mentee = open_page(), open_page(), open_page()
    join(audit, supervisor, "sam@example.org", "supervisor")
    join(audit, mentor, "maya@example.org", "mentor")
    join(audit, mentee, "eli@example.org", "mentee")
    coordinator.get_by_role("link", name="Engineering mentoring").click()
    audit.check(coordinator, "coordinator-program-again")
    pair(audit, coordinator)
    mentorship = Mentorship.objects.get()

    draft_and_propose(audit, mentor, mentee)
    open_agreement(audit, mentor, "mentor", "proposed")
    sign_by_keyboard(audit, mentor, "Maya Mentor")
    (signature,) = Signature.objects.filter(signer__email="maya@example.org")
    assert signature.typed_name == "Maya Mentor"
    open_agreement(audit, mentee, "mentee", "signed-by-mentor")
    sign_by_mouse(audit, mentee, "mentee", "Eli Mentee")
    expect(mentee.get_by_text("In effect since")).to_be_visible()

    record_checkin(audit, mentor, mentorship)
    assess(audit, mentee, "mentee", mentorship)
    assess(audit, mentor, "mentor", mentorship)
    complete_review(audit, mentee)
    assert ProgressReview.objects.filter(status="completed").count() == 1
    amend(audit, mentee, mentor)
    statuses = AgreementVersion.objects.order_by("number").values_list(
        "status", flat=True
    )
    assert list(statuses) == ["superseded", "effective"]
    consent_and_withdraw(audit, mentee, supervisor)

    coordinator.get_by_role("link", name="Dashboard").click()
    audit.check(coordinator, "coordinator-dashboard")

    audit.assert_clean()
    assert audit.checked == audit.visited
    assert audit.checked > 80


def test_audit_names_each_serious_violation_and_unchecked_page(page: Page, tmp_path):
    audit = PageAudit(folder=tmp_path)
    audit.watch(page)
    page.set_content(
        '<html lang="en"><title>Unlabelled</title><main><h1>Unlabelled</h1>'
        '<img src="data:,"><input type="text"></main></html>'
    )
    audit.check(page, "unlabelled")
    page.set_content("<html lang='en'><title>Next</title><main>Next</main></html>")

    with pytest.raises(AssertionError, match="not checked by axe"):
        audit.assert_clean()
    audit.check(page, "next")
    with pytest.raises(AssertionError) as failure:
        audit.assert_clean()
    assert "image-alt [critical]" in str(failure.value)
    assert "label [critical]" in str(failure.value)
    assert "img :: <img" in str(failure.value)
    assert len(list(tmp_path.glob("*.png"))) == 2
