"""Query counts of list pages do not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories


def _fill(cohort, coordinator, rows):
    """Give the cohort `rows` mentorships, invitations and extra cohorts/programs."""
    for _ in range(rows):
        factories.mentorship_in(cohort)
        factories.InvitationFactory(cohort=cohort)
        factories.MembershipFactory(cohort=cohort, role="supervisor")
        factories.CohortFactory(program=cohort.program)
        factories.ProgramFactory(coordinators=[coordinator])
        factories.MembershipFactory(cohort=cohort, role="mentee", goals=["x"])
        factories.MembershipFactory(cohort=cohort, role="mentor", strengths=["x"])


@pytest.fixture
def busy_mentor(cohort):
    """A mentor in `rows` mentorships across as many cohorts (home page rows)."""
    return factories.UserFactory()


def _mentor_everywhere(user, coordinator, rows):
    for _ in range(rows):
        cohort = factories.CohortFactory(program=factories.ProgramFactory())
        factories.MembershipFactory(cohort=cohort, user=user, role="mentor")
        mentee = factories.MembershipFactory(cohort=cohort, role="mentee").user
        factories.pair(cohort=cohort, mentor=user, mentee=mentee)
        supervised_cohort = factories.CohortFactory()
        supervised = factories.mentorship_in(supervised_cohort)
        supervised.supervisor = user
        factories.MembershipFactory(
            cohort=supervised_cohort, user=user, role="supervisor"
        )
        supervised.save(update_fields=["supervisor"])


PAGES = {
    # session, user, memberships (+cohort, program), mentorships (+people, cohort,
    # program), supervised mentorships (+people), coordinated programs (+count),
    # permission check: user perms, group perms
    "home": 8,
    # session, user, programs (+counts), permission check: user perms, group perms
    "program_list": 5,
    # session, user, program (+access), cohorts (+counts), coordinators
    "program_detail": 5,
    # session, user, cohort (+program, access), members (+user), mentorships
    # (+people, cohort, program), open invitations
    "cohort_detail": 6,
    # session, user, cohort (+program, access), memberships (+user), active pairs,
    # the form's three choice lists
    "pairing": 8,
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("rows", [2, 50])
def test_list_page_queries_are_flat(
    client, coordinator, cohort, busy_mentor, django_assert_num_queries, page, rows
):
    _fill(cohort, coordinator, rows)
    _mentor_everywhere(busy_mentor, coordinator, rows)
    urls = {
        "home": reverse("home"),
        "program_list": reverse("mentorship:program_list"),
        "program_detail": cohort.program.get_absolute_url(),
        "cohort_detail": cohort.get_absolute_url(),
        "pairing": reverse("mentorship:pairing", args=[cohort.public_id]),
    }
    client.force_login(busy_mentor if page == "home" else coordinator)
    with django_assert_num_queries(PAGES[page]):
        response = client.get(urls[page])
    assert response.status_code == 200
    assert len(_rows(page, response)) >= rows


def _rows(page, response):
    """The rows each page lists, to prove the count covers real content."""
    context = response.context
    return {
        "home": lambda: [*context["mentorships"], *context["supervised"]],
        "program_list": lambda: context["programs"],
        "program_detail": lambda: context["cohorts"],
        "cohort_detail": lambda: context["mentorships"],
        "pairing": lambda: (
            [s for item in context["board"] for s in item.suggestions]
            or context["board"]
        ),
    }[page]()
