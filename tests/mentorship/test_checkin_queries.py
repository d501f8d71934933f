"""The mentorship page and the cohort activity page cost the same at 2 and 50 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorship import checkins
from mentorship.notes import create_note
from tests import factories
from tests.mentorship.checkin_helpers import past_checkin, sign_terms


def _history(mentorship, rows):
    """`rows` past check-ins (recorded, with feedback) and `rows` notes of each kind."""
    for n in range(rows):
        checkin = past_checkin(mentorship, hours_ago=3 + n * 24)
        checkins.record(
            checkin=checkin,
            actor=mentorship.mentor,
            fields={"status": "held", "format": "video"},
            feedback=[
                dict.fromkeys(("situation", "observation", "impact", "suggestion"), "x")
            ],
            ratings={"Skill development": 3},
        )
        for author in (mentorship.mentor, mentorship.mentee):
            for visibility in ("private", "shared"):
                create_note(
                    mentorship=mentorship,
                    author=author,
                    body=f"n{n}",
                    visibility=visibility,
                )


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["mentor", "coordinator"])
def test_mentorship_page_queries_are_flat(client, request, viewer, cohort):
    counts = []
    for rows in (2, 50):
        mentorship = sign_terms(factories.mentorship_in(cohort))
        _history(mentorship, rows)
        user = (
            mentorship.mentor if viewer == "mentor" else request.getfixturevalue(viewer)
        )
        client.force_login(user)
        counts.append(_count(client, mentorship.get_absolute_url()))
    assert counts[0] == counts[1], counts


def test_checkin_page_queries_are_flat(client, cohort):
    counts = []
    for rows in (2, 50):
        mentorship = sign_terms(factories.mentorship_in(cohort))
        _history(mentorship, 1)
        checkin = mentorship.checkins.filter(status="held").get()
        for n in range(rows):
            create_note(
                mentorship=mentorship,
                author=mentorship.mentee,
                body=f"c{n}",
                visibility="shared",
                checkin=checkin,
            )
        client.force_login(mentorship.mentor)
        counts.append(_count(client, checkin.get_absolute_url()))
    assert counts[0] == counts[1], counts


def test_cohort_activity_queries_are_flat(
    client, coordinator, django_assert_num_queries
):
    program = factories.ProgramFactory(coordinators=[coordinator])
    counts = []
    for rows in (2, 50):
        cohort = factories.CohortFactory(program=program)
        for _ in range(rows):
            mentorship = sign_terms(factories.mentorship_in(cohort))
            past_checkin(mentorship, hours_ago=100)
        checkins.assess_drift()
        client.force_login(coordinator)
        url = reverse("mentorship:cohort_activity", args=[cohort.public_id])
        counts.append(_count(client, url))
    assert counts[0] == counts[1], counts
    # session, user, cohort (with program and the coordinator check), mentorships
    # with their counts in one query
    with django_assert_num_queries(4):
        client.get(url)


def test_cohort_activity_is_for_coordinators_of_the_program(
    client, request, cohort, mentorship
):
    url = reverse("mentorship:cohort_activity", args=[cohort.public_id])
    expected = {
        "coordinator": 200,
        "mentor": 403,
        "mentee": 403,
        "supervisor": 403,
        "outsider": 404,
        "other_coordinator": 404,
    }
    for actor, status in expected.items():
        client.force_login(request.getfixturevalue(actor))
        assert client.get(url).status_code == status, actor
    client.logout()
    assert client.get(url).status_code == 302


def test_cohort_activity_shows_counts_and_drift_never_content(
    client, coordinator, cohort
):
    mentorship = sign_terms(factories.mentorship_in(cohort))
    secret = "canary-activity-7f3c"
    checkin = past_checkin(mentorship, hours_ago=100)
    checkins.record(
        checkin=checkin,
        actor=mentorship.mentor,
        fields={"status": "held", "format": "video", "progress": secret},
        feedback=[],
        ratings={},
    )
    create_note(
        mentorship=mentorship,
        author=mentorship.mentee,
        body=secret,
        visibility="shared",
    )
    past_checkin(mentorship, hours_ago=60)
    checkins.assess_drift()
    client.force_login(coordinator)
    page = client.get(
        reverse("mentorship:cohort_activity", args=[cohort.public_id])
    ).content.decode()
    assert secret not in page
    assert "1 missed" in page
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert secret not in page
