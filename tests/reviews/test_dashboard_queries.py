"""The dashboard, its CSV and its PDF cost the same queries at 2 and 200 pairs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories
from tests.reviews.cohort_builder import build_cohort


@pytest.fixture
def url(client, coordinator, program):
    def make(name: str, pairs: int) -> str:
        cohort = factories.CohortFactory(program=program)
        build_cohort(cohort, pairs, tag=f"{name}{pairs}")
        client.force_login(coordinator)
        return reverse(f"reviews:{name}", args=[cohort.public_id])

    return make


@pytest.mark.parametrize("pairs", [2, 200])
def test_dashboard_queries_do_not_grow_with_the_cohort(
    pairs, client, url, django_assert_num_queries
):
    page = url("cohort_dashboard", pairs)
    cache.clear()
    # session, user, cohort (with program and the coordinator check); the totals:
    # mentorships (all, active, drifting), agreements by state (one pass over the
    # versions), check-ins by state, active consents, drifting pairs listed (+ mentor,
    # mentee), open reviews (due soon, overdue), disclosures, destruction records;
    # the roster: its length, the page's pairs (picked in a subquery; + mentor,
    # mentee, agreement state and consent as subqueries), then grouped by pair:
    # check-ins, open reviews
    with django_assert_num_queries(15):
        response = client.get(page)
    assert len(response.context["page"].object_list) == min(pairs, 50)
    # Within the minute the figures and the page's rows come from the cache: session,
    # user, cohort, the roster's length
    with django_assert_num_queries(4):
        again = client.get(page)
    assert again.context["totals"] == response.context["totals"]


@pytest.mark.parametrize("pairs", [2, 200])
def test_csv_queries_do_not_grow_with_the_cohort(
    pairs, client, url, django_assert_num_queries
):
    export = url("cohort_dashboard_csv", pairs)
    # session, user, cohort, the totals counted afresh (eight queries, as on the
    # page), every pair (+ mentor, mentee, agreement state and consent as
    # subqueries), then grouped by pair: check-ins, open reviews
    with django_assert_num_queries(14):
        response = client.get(export)
    # 21 lines of totals, a blank line, the roster's header and one line per pair
    assert response.content.decode().count("\r\n") == 23 + pairs


@pytest.mark.parametrize("pairs", [2, 200])
def test_pdf_queries_do_not_grow_with_the_cohort(
    pairs, client, url, django_assert_num_queries
):
    report = url("cohort_report_pdf", pairs)
    # session, user, cohort, the totals counted afresh (eight queries, as on the
    # page), and every pair's row as for the CSV (three queries), those needing
    # attention picked from them
    with django_assert_num_queries(14):
        response = client.get(report)
    assert response["Content-Type"] == "application/pdf"
