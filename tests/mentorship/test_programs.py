"""Coordinators create and edit programs and cohorts; bad input stays on the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from mentorship.models import Cohort, Mentorship, Program
from tests import factories

VALID_PROGRAM = {
    "name": "Design Mentoring",
    "description": "For designers.",
    "framework_reference": "Design ladder v2",
    "default_cadence": "weekly",
    "default_cadence_days": "",
    "retention_min_days": "30",
    "default_retention_days": "180",
    "retention_max_days": "365",
    "default_review_cadence": "quarterly",
    "scorecard_dimensions": "Craft, Collaboration,  craft , Impact",
    "requires_effective_agreement": "on",
}


def test_coordinator_creates_a_program_and_coordinates_it(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("mentorship:program_create"), VALID_PROGRAM)
    program = Program.objects.get(name="Design Mentoring")
    assert response.status_code == 302
    assert response.url == program.get_absolute_url()
    assert list(program.coordinators.all()) == [coordinator]
    assert program.scorecard_dimensions == ["Craft", "Collaboration", "Impact"]
    assert program.default_cadence_days is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"default_cadence": "custom"}, "default_cadence_days", "number of days"),
        (
            {"default_cadence": "custom", "default_cadence_days": "0"},
            "default_cadence_days",
            "1 to 365",
        ),
        (
            {"default_cadence": "custom", "default_cadence_days": "400"},
            "default_cadence_days",
            "at least once a year",
        ),
        ({"default_retention_days": "500"}, "default_retention_days", "between"),
        ({"retention_min_days": "0"}, "retention_min_days", "at least one day"),
        (
            {"retention_max_days": "4000", "default_retention_days": "200"},
            "retention_max_days",
            "ten years",
        ),
        ({"scorecard_dimensions": " , "}, "scorecard_dimensions", "required"),
        (
            {"scorecard_dimensions": ",".join(f"d{i}" for i in range(9))},
            "scorecard_dimensions",
            "at most 8",
        ),
        ({"name": "x" * 121}, "name", "at most 120"),
        ({"description": "y" * 4001}, "description", "at most 4000"),
    ],
)
def test_program_form_rejects_bad_input_at_the_field(
    client, coordinator, changes, field, message
):
    client.force_login(coordinator)
    data = {**VALID_PROGRAM, **changes}
    response = client.post(reverse("mentorship:program_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert 'aria-invalid="true"' in response.text
    assert f'id="id_{field}_error"' in response.text or field == "__all__"
    assert not Program.objects.filter(name=data["name"]).exists()
    assert 'value="Design ladder v2"' in response.text  # what was typed stays


def test_a_name_used_by_another_program_reveals_nothing(
    client, other_coordinator, program
):
    client.force_login(other_coordinator)
    response = client.post(
        reverse("mentorship:program_create"), {**VALID_PROGRAM, "name": program.name}
    )
    assert response.status_code == 302
    assert Program.objects.filter(name=program.name).count() == 2


def test_program_text_is_escaped(client, coordinator):
    client.force_login(coordinator)
    script = '<script>alert("x")</script>'
    client.post(
        reverse("mentorship:program_create"),
        {**VALID_PROGRAM, "name": script, "description": script},
    )
    page = client.get(Program.objects.get().get_absolute_url())
    assert script not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text


def test_coordinator_edits_the_program(client, coordinator, program):
    client.force_login(coordinator)
    url = reverse("mentorship:program_edit", args=[program.public_id])
    response = client.post(url, {**VALID_PROGRAM, "name": "Renamed"})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.name == "Renamed"
    assert program.default_retention_days == 180


def _cohort_data(**changes):
    return {
        "name": "Spring 2027",
        "starts_on": "2027-03-01",
        "ends_on": "2027-08-31",
        "status": "planning",
        **changes,
    }


def test_coordinator_creates_a_cohort(client, coordinator, program):
    client.force_login(coordinator)
    url = reverse("mentorship:cohort_create", args=[program.public_id])
    response = client.post(url, _cohort_data())
    cohort = Cohort.objects.get(name="Spring 2027")
    assert response.url == cohort.get_absolute_url()
    assert cohort.program == program
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 3, 1), date(2027, 8, 31))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": "2027-02-01"}, "ends_on", "end after it starts"),
        ({"ends_on": "2027-03-01"}, "ends_on", "end after it starts"),
        ({"starts_on": "not a date"}, "starts_on", "valid date"),
        ({"name": ""}, "name", "required"),
        ({"status": "archived"}, "status", "valid choice"),
    ],
)
def test_cohort_form_rejects_bad_input(
    client, coordinator, program, changes, field, message
):
    client.force_login(coordinator)
    url = reverse("mentorship:cohort_create", args=[program.public_id])
    response = client.post(url, _cohort_data(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Cohort.objects.exists()
    if field != "name":
        assert 'value="Spring 2027"' in response.text


def test_cohort_names_are_unique_within_a_program(client, coordinator, cohort):
    client.force_login(coordinator)
    url = reverse("mentorship:cohort_create", args=[cohort.program.public_id])
    response = client.post(url, _cohort_data(name=cohort.name.upper()))
    assert "already has a cohort" in response.context["form"].errors["name"][0]


def test_coordinator_edits_a_cohort(client, coordinator, cohort):
    client.force_login(coordinator)
    url = reverse("mentorship:cohort_edit", args=[cohort.public_id])
    response = client.post(url, _cohort_data(name=cohort.name, status="closed"))
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.CLOSED


def test_member_cannot_edit_the_cohort_by_post(client, mentor, cohort):
    client.force_login(mentor)
    url = reverse("mentorship:cohort_edit", args=[cohort.public_id])
    assert client.post(url, _cohort_data(name="Hijacked")).status_code == 403
    cohort.refresh_from_db()
    assert cohort.name != "Hijacked"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_on": "1999-12-31"}, "starts_on", "between the years 2000 and 2100"),
        ({"ends_on": "2101-01-01"}, "ends_on", "between the years 2000 and 2100"),
        ({"ends_on": "2033-01-01"}, "ends_on", "at most five years"),
    ],
)
def test_cohort_dates_stay_plausible(
    client, coordinator, program, changes, field, message
):
    client.force_login(coordinator)
    url = reverse("mentorship:cohort_create", args=[program.public_id])
    response = client.post(url, _cohort_data(**changes))
    assert message in " ".join(response.context["form"].errors[field])
    assert not Cohort.objects.exists()


def _edit_dates(client, cohort, starts_on, ends_on):
    url = reverse("mentorship:cohort_edit", args=[cohort.public_id])
    data = _cohort_data(name=cohort.name, starts_on=starts_on, ends_on=ends_on)
    return client.post(url, data)


def test_cohort_cannot_start_after_one_of_its_mentorships(
    client, coordinator, cohort, mentorship
):
    client.force_login(coordinator)
    later = mentorship.started_on + timedelta(days=1)
    response = _edit_dates(client, cohort, later, cohort.ends_on)
    assert "the cohort must start by then" in response.text
    cohort.refresh_from_db()
    assert cohort.starts_on == mentorship.started_on


def test_cohort_cannot_end_before_one_of_its_mentorships_started(
    client, coordinator, cohort, mentorship
):
    client.force_login(coordinator)
    earlier = mentorship.started_on - timedelta(days=1)
    response = _edit_dates(client, cohort, earlier, mentorship.started_on)
    assert "the cohort must end after it" in response.text
    cohort.refresh_from_db()
    assert cohort.starts_on == mentorship.started_on


def test_line_breaks_in_names_never_reach_an_email_header(
    client, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    name = "Evil\r\nBcc: someone@example.net"
    client.post(reverse("mentorship:program_create"), {**VALID_PROGRAM, "name": name})
    program = Program.objects.get()
    assert program.name == "Evil Bcc: someone@example.net"
    cohort = Cohort.objects.create(
        program=program, name="C", starts_on=date(2030, 1, 1), ends_on=date(2030, 6, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mentorship:invite", args=[cohort.public_id]),
            {"email": "x@example.org", "full_name": "X", "role": "mentee"},
        )
    [message] = mail.outbox
    assert "\n" not in message.subject and message.bcc == []


@pytest.mark.parametrize("field", ["name", "description", "framework_reference"])
def test_null_characters_are_refused(client, coordinator, field):
    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:program_create"), {**VALID_PROGRAM, field: "a\x00b"}
    )
    assert "Null characters are not allowed" in str(response.context["form"].errors)
    assert not Program.objects.exists()


def test_program_pages_count_each_thing_once(client, coordinator, program, cohort):
    factories.CohortFactory(program=program)
    program.coordinators.add(factories.UserFactory())
    kept, ended = factories.mentorship_in(cohort), factories.mentorship_in(cohort)
    Mentorship.objects.filter(pk=ended.pk).update(status="ended")
    factories.MembershipFactory(cohort=cohort, role="supervisor")
    client.force_login(coordinator)

    [listed] = client.get(reverse("mentorship:program_list")).context["programs"]
    assert (listed.cohort_count, listed.coordinator_count) == (2, 2)
    cohorts = client.get(program.get_absolute_url()).context["cohorts"]
    counted = next(c for c in cohorts if c.pk == cohort.pk)
    assert (counted.member_count, counted.mentorship_count) == (5, 1)
    assert kept.status == "active"
