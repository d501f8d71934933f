"""Planning progress reviews from the review cadence in force."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mentorship import services as mentorship_services
from reviews.models import ProgressReview
from reviews.services import plan_reviews, review_due_dates
from tests.mentorship.checkin_helpers import sign_terms
from tests.reviews.helpers import assess_all, in_force


@pytest.mark.parametrize(
    ("cadence", "started_on", "ends_on", "expected"),
    [
        (
            "monthly",
            date(2027, 1, 31),
            date(2027, 5, 1),
            [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)],
        ),
        (
            "quarterly",
            date(2027, 11, 30),
            date(2028, 12, 31),
            [
                date(2028, 2, 29),
                date(2028, 5, 30),
                date(2028, 8, 30),
                date(2028, 11, 30),
            ],
        ),
        ("semiannual", date(2027, 1, 15), date(2027, 7, 15), [date(2027, 7, 15)]),
        ("semiannual", date(2027, 1, 15), date(2027, 7, 14), []),
        ("", date(2027, 1, 15), date(2028, 1, 15), []),
    ],
)
def test_reviews_fall_due_every_cadence_from_the_start_within_the_cohort(
    cadence, started_on, ends_on, expected
):
    assert (
        review_due_dates(started_on=started_on, review_cadence=cadence, ends_on=ends_on)
        == expected
    )


def _days(mentorship):
    return list(mentorship.progress_reviews.values_list("due_on", flat=True))


@pytest.fixture
def year_long(cohort, mentorship):
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = (
        today - timedelta(days=10),
        today + timedelta(365),
    )
    cohort.save(update_fields=["starts_on", "ends_on"])
    mentorship.refresh_from_db()
    return mentorship


def test_signed_terms_plan_the_reviews_ahead_only(year_long):
    sign_terms(year_long)  # quarterly
    days = _days(year_long)
    assert len(days) == 4
    assert all(day >= timezone.localdate() for day in days)


def test_a_new_review_cadence_moves_only_the_reviews_nobody_started(year_long):
    in_force(year_long)
    started = year_long.progress_reviews.order_by("due_on").first()
    assess_all(started, year_long.mentee)
    year_long.review_cadence = "monthly"
    # Monthly days that a quarterly review already holds keep their review.
    assert plan_reviews(mentorship=year_long) == 8
    assert len(_days(year_long)) == 12
    started.refresh_from_db()
    assert started.status == ProgressReview.Status.IN_PROGRESS  # kept, with its day
    year_long.review_cadence = "semiannual"
    plan_reviews(mentorship=year_long)
    assert sorted(_days(year_long)) == sorted(
        {
            started.due_on,
            *review_due_dates(
                started_on=year_long.started_on,
                review_cadence="semiannual",
                ends_on=year_long.cohort.ends_on,
            ),
        }
    )


def test_planning_twice_changes_nothing(year_long):
    sign_terms(year_long)
    before = list(year_long.progress_reviews.values_list("pk", "due_on"))
    assert plan_reviews(mentorship=year_long) == 0
    assert list(year_long.progress_reviews.values_list("pk", "due_on")) == before


def test_closing_drops_the_reviews_ahead_that_nobody_started(year_long):
    in_force(year_long)
    started = year_long.progress_reviews.order_by("due_on").first()
    assess_all(started, year_long.mentor)
    mentorship_services.end_mentorship(mentorship=year_long, ended_by=year_long.mentor)
    assert list(year_long.progress_reviews.all()) == [started]
