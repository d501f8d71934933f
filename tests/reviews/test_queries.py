"""Query counts of the review and consent pages: flat whatever the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship.models import CheckIn, ScorecardRating
from reviews.models import ProgressReview, ReviewRating, SummaryView
from tests.reviews.helpers import completed_review, grant, in_force


def _history(mentorship, rows):
    """rows held check-ins with ratings, rows reviews, rows consents, rows views."""
    now = timezone.now()
    checkins = CheckIn.objects.bulk_create(
        CheckIn(
            mentorship=mentorship,
            scheduled_at=now - timedelta(days=2 + n),
            status=CheckIn.Status.HELD,
            format="video",
            recorded_at=now,
        )
        for n in range(rows)
    )
    ScorecardRating.objects.bulk_create(
        ScorecardRating(checkin=c, dimension=d, rating=3)
        for c in checkins
        for d in mentorship.scorecard_dimensions
    )
    reviews = ProgressReview.objects.bulk_create(
        ProgressReview(
            mentorship=mentorship,
            due_on=timezone.localdate() - timedelta(days=30 + n),
            status="completed",
            version=mentorship.agreement.versions.get(),
            outcome="continue",
            completed_at=now,
        )
        for n in range(rows)
    )
    ReviewRating.objects.bulk_create(
        ReviewRating(review=r, dimension=d, rating=4)
        for r in reviews
        for d in mentorship.scorecard_dimensions
    )
    for _ in range(rows):
        consent = grant(mentorship)
    SummaryView.objects.bulk_create(
        SummaryView(consent=consent, viewer=mentorship.supervisor, kind="page")
        for _ in range(rows)
    )
    return consent


@pytest.fixture
def lived(mentorship):
    in_force(mentorship)
    mentorship.refresh_from_db()
    completed_review(mentorship)
    return mentorship


@pytest.mark.parametrize("rows", [2, 50])
def test_review_pages_queries_are_flat(
    rows, client, lived, mentee, django_assert_num_queries
):
    _history(lived, rows)
    review = lived.progress_reviews.filter(status="completed").first()
    client.force_login(mentee)
    # session, user, mentorship (+ people), reviews, check-in ratings, review ratings
    with django_assert_num_queries(6):
        client.get(reverse("reviews:list", args=[lived.public_id]))
    # session, user, review (+ mentorship, people, version), criteria, assessments,
    # ratings
    with django_assert_num_queries(6):
        client.get(review.get_absolute_url())


@pytest.mark.parametrize("rows", [2, 50])
def test_an_open_review_page_queries_are_flat(
    rows, client, lived, mentor, django_assert_num_queries
):
    _history(lived, rows)
    review = ProgressReview.objects.create(
        mentorship=lived, due_on=timezone.localdate() + timedelta(days=200)
    )
    client.force_login(mentor)
    # session, user, review, version in force, its criteria, assessments (nobody has
    # assessed yet, so nothing more is counted)
    with django_assert_num_queries(6):
        client.get(review.get_absolute_url())


@pytest.mark.parametrize("rows", [2, 50])
def test_consent_and_summary_pages_queries_are_flat(
    rows, client, lived, mentee, supervisor, django_assert_num_queries
):
    _history(lived, rows)
    client.force_login(mentee)
    # session, user, mentorship (+ people), consents, sharing allowed, views
    with django_assert_num_queries(6):
        client.get(reverse("reviews:consent", args=[lived.public_id]))
    # session, user, mentorship, active consent, sharing allowed, last review,
    # its assessments, its criteria, check-in ratings, review ratings, attendance
    with django_assert_num_queries(11):
        client.get(reverse("reviews:preview", args=[lived.public_id]))
    client.force_login(supervisor)
    # session, user, consent (+ mentorship), sharing allowed, view logged, and the
    # summary's six reads
    with django_assert_num_queries(11):
        client.get(reverse("reviews:summary", args=[lived.public_id]))
    # session, user, active consents (+ mentorship, mentee, program)
    with django_assert_num_queries(3):
        client.get(reverse("reviews:supervision"))
