"""The coordinator's view of a cohort's agreements: states, never content."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements import services as agreements
from tests import factories

ACTORS = [
    "coordinator",
    "mentor",
    "mentee",
    "supervisor",
    "other_coordinator",
    "outsider",
]


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [200, 403, 403, 403, 404, 404], strict=True))
)
def test_only_coordinators_open_it(client, request, cohort, mentorship, actor, status):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("agreements:cohort_states", args=[cohort.public_id])
    assert client.get(url).status_code == status


def test_counts_by_state_without_content(client, coordinator, cohort, mentorship):
    factories.effective_agreement(mentorship)
    drafting = factories.mentorship_in(cohort)
    agreements.start_agreement(mentorship=drafting, actor=drafting.mentor)
    factories.mentorship_in(cohort)  # not started
    client.force_login(coordinator)
    page = client.get(reverse("agreements:cohort_states", args=[cohort.public_id]))
    counts = {key: count for key, _label, count in page.context["states"]}
    assert counts == {
        "not_started": 1,
        "draft": 1,
        "proposed": 0,
        "effective": 1,
        "amending": 0,
    }
    assert "Grow into a technical lead role." not in page.text


@pytest.mark.parametrize("rows", [2, 20])
def test_queries_do_not_grow_with_the_cohort(
    client, coordinator, cohort, django_assert_num_queries, rows
):
    for _ in range(rows):
        factories.mentorship_in(cohort)
    client.force_login(coordinator)
    # session, user, cohort (+program, access), mentorships (+people, latest state)
    with django_assert_num_queries(4):
        client.get(reverse("agreements:cohort_states", args=[cohort.public_id]))


def test_an_open_amendment_still_counts_as_in_effect(
    client, coordinator, cohort, mentorship
):
    signed = factories.effective_agreement(mentorship)
    agreements.propose_amendment(
        agreement=signed.agreement, actor=mentorship.mentee, rationale="R"
    )
    client.force_login(coordinator)
    page = client.get(reverse("agreements:cohort_states", args=[cohort.public_id]))
    counts = {key: count for key, _label, count in page.context["states"]}
    assert (counts["effective"], counts["draft"], counts["amending"]) == (1, 0, 1)
    assert "amendment open" in page.text
