"""A coordinator sets up a cohort in a real browser: create, import, accept, pair.

Relative URLs go to the live server (base_url, tests/browser/conftest.py). Each key
page is saved as a full-page screenshot in pytest-playwright's output folder
(test-results/<test id>/ by default; change it with --output).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from mentorship.models import Invitation, Mentorship
from tests import factories
from tests.browser.helpers import Shoot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "email,name,role,supervisor_email\n"
PEOPLE = (
    "maya@example.org,Maya Mentor,mentor,\n"
    "eli@example.org,Eli Mentee,mentee,sam@example.org\n"
    "sam@example.org,Sam Supervisor,supervisor,\n"
)
ONE_BAD_ROW = (
    "maya@example.org,Maya Mentor,mentor,\n"
    "eli(at)example.org,Eli Mentee,mentee,sam@example.org\n"
)
NEW_PASSWORD = "lantern orchard quietly 47"


def csv_file(text: str) -> FilePayload:
    return {"name": "people.csv", "mimeType": "text/csv", "buffer": text.encode()}


def accept_path(email: str) -> str:
    """The path of the invitation link emailed to `email` (the host is SITE_URL's)."""
    (message,) = [m for m in mail.outbox if m.to == [email]]
    url = re.search(r"https?://\S+/join/\S+/", str(message.body))
    assert url, message.body
    return urlsplit(url.group()).path


def join(context: BrowserContext, email: str, name: str) -> Page:
    """Open the emailed link in a fresh browser, create the account, land home."""
    page = context.new_page()
    page.goto(accept_path(email))
    expect(
        page.get_by_role("heading", name="Join Engineering mentoring")
    ).to_be_visible()
    expect(page.get_by_label("Your full name")).to_have_value(name)
    # Labels of required fields end in "*"; this tells "Password" from "Password again".
    page.get_by_label("Password*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    return page


def finish_joining(page: Page, first_name: str) -> None:
    page.get_by_role("button", name="Create account and join").click()
    expect(page.get_by_role("status")).to_have_text("Welcome! Your account is ready.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {first_name}")


def fill_profile(page: Page, tags_label: str, tags: str, *slots: str) -> None:
    page.get_by_role("link", name="Edit your profile").click()
    page.get_by_label(tags_label).fill(tags)
    for slot in slots:
        page.get_by_label(slot).check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")


def test_coordinator_sets_up_a_cohort_and_pairs_people(
    page: Page, new_context: Callable[..., BrowserContext], live_server, shoot: Shoot
) -> None:
    coordinator = factories.UserFactory(
        email="cora@example.org",
        full_name="Cora Coordinator",
        coordinator=True,
        password=factories.PASSWORD,
    )
    factories.ProgramFactory(name="Engineering mentoring", coordinators=[coordinator])

    # Log in with email and password.
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shoot(page, "01-login")
    log_in(page, "cora@example.org", factories.PASSWORD)
    expect(page.get_by_role("heading", name="Programs you coordinate")).to_be_visible()

    # The program page leads to the cohort form.
    page.get_by_role("link", name="Engineering mentoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Engineering mentoring")
    expect(page.get_by_text("No cohort yet.")).to_be_visible()
    shoot(page, "02-program")
    page.get_by_role("link", name="New cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "New cohort in Engineering mentoring"
    )

    # An end before the start is refused next to the end date; the name is kept.
    starts = timezone.localdate() + timedelta(days=7)
    ends = starts + timedelta(days=180)
    page.get_by_label("Name").fill("Spring cohort")
    page.get_by_label("Starts on").fill(starts.isoformat())
    page.get_by_label("Ends on").fill((starts - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Create cohort").click()
    ends_on = page.get_by_label("Ends on")
    expect(ends_on).to_have_attribute("aria-invalid", "true")
    expect(ends_on).to_have_accessible_description(
        "The cohort must end after it starts."
    )
    expect(page.get_by_label("Name")).to_have_value("Spring cohort")
    expect(page.get_by_label("Starts on")).to_have_value(starts.isoformat())
    shoot(page, "03-cohort-form-error")

    ends_on.fill(ends.isoformat())
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("status")).to_have_text(
        "Cohort created. Invite its people next."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring cohort")
    expect(page.get_by_text("Nobody is paired yet.")).to_be_visible()

    # A file with one bad row: every problem listed by line, nothing imported.
    page.get_by_role("link", name="Import a CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import invitations to Spring cohort"
    )
    page.get_by_label("CSV file").set_input_files(csv_file(HEADER + ONE_BAD_ROW))
    page.get_by_role("button", name="Check and import").click()
    problems = page.get_by_role("alert")
    expect(problems.get_by_role("heading")).to_have_text("1 problem to fix")
    expect(problems.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "email", "Enter a valid email address."]
    )
    expect(page.get_by_label("CSV file")).to_have_accessible_description(
        re.compile("nothing was imported")
    )
    shoot(page, "04-import-errors")
    assert not Invitation.objects.exists()
    assert mail.outbox == []

    # The corrected file invites all three and emails each their link.
    page.get_by_label("CSV file").set_input_files(csv_file(HEADER + PEOPLE))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("status")).to_have_text("3 invitations sent.")
    pending = page.get_by_role("row").filter(has_text="Pending")
    expect(pending).to_have_count(3)
    for email, role in [
        ("eli@example.org", "Mentee"),
        ("maya@example.org", "Mentor"),
        ("sam@example.org", "Supervisor"),
    ]:
        expect(pending.filter(has_text=email)).to_contain_text(role)
    shoot(page, "05-roster-invited")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "eli@example.org",
        "maya@example.org",
        "sam@example.org",
    ]

    # Each invitee opens their link in a browser of their own and joins.
    mentor = join(new_context(), "maya@example.org", "Maya Mentor")
    shoot(mentor, "06-accept-invitation")
    finish_joining(mentor, "Maya")
    fill_profile(
        mentor, "Strengths", "code review, public speaking", "Weekday evenings"
    )

    mentee = join(new_context(), "eli@example.org", "Eli Mentee")
    finish_joining(mentee, "Eli")
    fill_profile(
        mentee,
        "Goals",
        "Public speaking, system design",
        "Weekday evenings",
        "Weekends",
    )

    supervisor = join(new_context(), "sam@example.org", "Sam Supervisor")
    finish_joining(supervisor, "Sam")
    expect(
        supervisor.get_by_role("row").filter(has_text="Spring cohort")
    ).to_contain_text("Supervisor")

    # Back as coordinator: everyone is a member, no invitation is left open.
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Engineering mentoring").click()
    page.get_by_role("link", name="Spring cohort").click()
    expect(page.get_by_text("No open invitations.")).to_be_visible()

    # The suggestion shows its score and the parts it is made of.
    page.get_by_role("link", name="Pair people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pair a mentor with a mentee"
    )
    card = page.get_by_role("region", name="Eli Mentee")
    expect(card.get_by_role("heading")).to_contain_text("supervisor: Sam Supervisor")
    suggestion = card.get_by_role("row").filter(has_text="Maya Mentor")
    # Goals 1 of 2 (25), availability 1 of 2 (15), all capacity left (20).
    expect(suggestion.get_by_role("cell")).to_have_text(
        ["Maya Mentor", "60", "public speaking", "1/2", "2/2", re.compile("Pair")]
    )
    shoot(page, "07-pairing")
    suggestion.get_by_role("button", name="Pair Maya Mentor with Eli Mentee").click()

    # The roster shows the mentorship.
    expect(page.get_by_role("status")).to_have_text(
        "Paired Maya Mentor mentoring Eli Mentee."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring cohort")
    pair = (
        page.get_by_role("row")
        .filter(has_text="Maya Mentor")
        .filter(has_text="Eli Mentee")
    )
    expect(pair.get_by_role("cell")).to_have_text(
        [
            "Maya Mentor",
            "Eli Mentee",
            "Sam Supervisor",
            f"{starts.day} {starts:%b %Y}",
            "Active",
        ]
    )
    for role in ("Mentor", "Mentee", "Supervisor"):
        expect(
            page.get_by_role("heading", name=f"{role} 1", exact=True)
        ).to_be_visible()
    shoot(page, "08-roster-paired")

    mentorship = Mentorship.objects.get()
    assert mentorship.mentor.email == "maya@example.org"
    assert mentorship.mentee.email == "eli@example.org"
    assert mentorship.supervisor is not None
    assert mentorship.supervisor.email == "sam@example.org"
    assert mentorship.created_by == coordinator

    # The supervisor now sees whom they supervise.
    supervisor.reload()
    expect(
        supervisor.get_by_role("region", name="People you supervise")
    ).to_contain_text("Eli Mentee, mentored by Maya Mentor")


def test_outsider_typing_a_cohort_url_sees_not_found(
    page: Page, live_server, shoot: Shoot
) -> None:
    cohort = factories.CohortFactory(name="Spring cohort")
    factories.UserFactory(
        email="olive@example.org",
        full_name="Olive Outsider",
        password=factories.PASSWORD,
    )

    log_in(page, "olive@example.org", factories.PASSWORD)
    response = page.goto(cohort.get_absolute_url())

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("Spring cohort")).to_have_count(0)
    shoot(page, "01-not-found")
