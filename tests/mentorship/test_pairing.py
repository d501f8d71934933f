"""Pairing: suggestions with visible score parts, and the refusals that protect people."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mentorship import matching
from mentorship.models import Mentorship
from tests import factories


def _member(cohort, role, **profile):
    return factories.MembershipFactory(cohort=cohort, role=role, **profile)


def test_suggestions_rank_by_goals_availability_and_capacity(cohort):
    mentee = _member(
        cohort, "mentee", goals=["testing", "leadership"], availability=["weekends"]
    )
    strong = _member(
        cohort,
        "mentor",
        strengths=["testing", "leadership"],
        availability=["weekends"],
        capacity=2,
    )
    partial = _member(
        cohort, "mentor", strengths=["testing"], availability=[], capacity=1
    )
    [item] = matching.pairing_board(cohort)
    assert item.mentee == mentee
    best, second = item.suggestions
    assert best.mentor == strong
    assert (best.goal_overlap, best.availability_overlap, best.capacity_left) == (
        1.0,
        1.0,
        2,
    )
    assert best.score == 100
    assert second.mentor == partial
    assert second.shared_tags == ["testing"]
    assert second.score == round(100 * (0.5 * 0.5 + 0.3 * 0 + 0.2 * 1))


def test_full_mentors_and_own_supervisors_are_never_suggested(
    cohort, mentorship, mentor
):
    boss = _member(cohort, "mentor", capacity=3)
    _member(cohort, "mentee", supervisor_email=boss.user.email)
    mentor.memberships.filter(cohort=cohort).update(capacity=1)  # now full
    [item] = matching.pairing_board(cohort)  # the paired mentee is not listed
    assert item.suggestions == []


def _pair(client, cohort, mentor, mentee, supervisor=None, started_on=None):
    """Post the pairing form for these people, starting on the cohort's first day."""
    data = {
        "mentor": getattr(mentor, "public_id", mentor),
        "mentee": getattr(mentee, "public_id", mentee),
        "started_on": str(started_on or cohort.starts_on),
    }
    if supervisor is not None:
        data["supervisor"] = supervisor.public_id
    return client.post(reverse("mentorship:pairing", args=[cohort.public_id]), data)


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def test_coordinator_pairs_a_mentor_and_mentee(
    signed_in, cohort, mentor, mentee, supervisor
):
    response = _pair(
        signed_in, cohort, mentor=mentor, mentee=mentee, supervisor=supervisor
    )
    assert response.status_code == 302
    mentorship = Mentorship.objects.get()
    assert (mentorship.mentor, mentorship.mentee, mentorship.supervisor) == (
        mentor,
        mentee,
        supervisor,
    )
    assert mentorship.status == "active"


def test_pairing_page_shows_score_parts(signed_in, cohort, mentor, mentee):
    mentee.memberships.update(goals=["architecture"])
    mentor.memberships.update(strengths=["architecture"])
    page = signed_in.get(reverse("mentorship:pairing", args=[cohort.public_id]))
    assert page.status_code == 200
    assert "Goals matched" in page.text and "architecture" in page.text
    assert "Places left" in page.text


def test_over_capacity_is_refused_with_a_message(signed_in, cohort, mentor, mentorship):
    mentor.memberships.filter(cohort=cohort).update(capacity=1)
    other = _member(cohort, "mentee").user
    response = _pair(signed_in, cohort, mentor=mentor, mentee=other)
    assert response.status_code == 200
    assert "no capacity left" in response.text
    assert Mentorship.objects.count() == 1


def test_mentor_who_supervises_the_mentee_is_refused(signed_in, cohort):
    boss = _member(cohort, "mentor").user
    mentee = _member(cohort, "mentee", supervisor_email=boss.email).user
    response = _pair(signed_in, cohort, mentor=boss, mentee=mentee)
    assert "own supervisor" in response.text
    assert not Mentorship.objects.exists()


def test_supervisor_inside_the_pair_is_refused(signed_in, cohort, mentor, mentee):
    mentor_as_supervisor = _member(cohort, "supervisor", user=mentor)
    response = _pair(
        signed_in,
        cohort,
        mentor=mentor,
        mentee=mentee,
        supervisor=mentor_as_supervisor.user,
    )
    assert "cannot be the mentor or the mentee" in response.text
    assert not Mentorship.objects.exists()


def test_self_mentoring_is_refused(signed_in, cohort, mentor):
    _member(cohort, "mentee", user=mentor)
    response = _pair(signed_in, cohort, mentor=mentor, mentee=mentor)
    assert "cannot mentor themselves" in response.text


def test_people_from_outside_the_cohort_cannot_be_paired(
    signed_in, cohort, mentor, outsider
):
    response = _pair(signed_in, cohort, mentor=mentor, mentee=outsider)
    assert "valid choice" in str(response.context["form"].errors["mentee"])
    assert not Mentorship.objects.exists()


def test_start_outside_the_cohort_is_refused(signed_in, cohort, mentor, mentee):
    response = _pair(
        signed_in, cohort, mentor=mentor, mentee=mentee, started_on="1999-01-01"
    )
    assert "within the cohort" in response.text


def test_the_same_pair_twice_is_refused(signed_in, cohort, mentorship, mentor, mentee):
    response = _pair(signed_in, cohort, mentor=mentor, mentee=mentee)
    assert "already has an active mentorship" in response.text
    assert Mentorship.objects.count() == 1


def test_suggestion_carries_the_supervisor_the_mentee_named(
    signed_in, cohort, mentor, mentee, supervisor
):
    [item] = matching.pairing_board(cohort)
    assert item.supervisor.user == supervisor
    page = signed_in.get(reverse("mentorship:pairing", args=[cohort.public_id]))
    assert f'name="supervisor" value="{supervisor.public_id}"' in page.text


def test_only_the_supervisor_the_mentee_named_can_be_on_the_mentorship(
    signed_in, cohort, mentor, mentee
):
    stranger = _member(cohort, "supervisor").user  # in the cohort, not named by mentee
    response = _pair(
        signed_in, cohort, mentor=mentor, mentee=mentee, supervisor=stranger
    )
    assert "is not the supervisor this mentee named" in response.text
    assert not Mentorship.objects.exists()


def test_a_paired_mentee_cannot_get_a_second_mentor(
    signed_in, cohort, mentorship, mentee
):
    other_mentor = _member(cohort, "mentor").user
    response = _pair(signed_in, cohort, mentor=other_mentor, mentee=mentee)
    assert "already has an active mentorship in this cohort" in response.text
    assert Mentorship.objects.count() == 1


def test_people_are_chosen_by_public_id_not_sequential_id(
    signed_in, cohort, mentor, mentee
):
    page = signed_in.get(reverse("mentorship:pairing", args=[cohort.public_id]))
    assert f'<option value="{mentor.public_id}"' in page.text
    response = _pair(signed_in, cohort, mentor=mentor.pk, mentee=mentee.pk)
    errors = response.context["form"].errors
    assert "mentor" in errors and "mentee" in errors
    assert not Mentorship.objects.exists()


def test_nobody_is_paired_in_a_closed_cohort(signed_in, cohort, mentor, mentee):
    cohort.status = "closed"
    cohort.save(update_fields=["status"])
    response = _pair(signed_in, cohort, mentor=mentor, mentee=mentee)
    assert "This cohort is closed" in response.text
    assert not Mentorship.objects.exists()


def test_suggested_start_is_valid_after_the_cohorts_end(
    signed_in, coordinator, cohort, mentor, mentee
):
    with time_machine.travel(cohort.ends_on + timedelta(days=3)):
        signed_in.force_login(coordinator)
        page = signed_in.get(reverse("mentorship:pairing", args=[cohort.public_id]))
        start = page.context["default_start"]
        assert start == cohort.ends_on - timedelta(days=1)
        response = _pair(
            signed_in, cohort, mentor=mentor, mentee=mentee, started_on=start
        )
    assert response.status_code == 302
