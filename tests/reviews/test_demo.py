"""seed_demo gives the first pair a completed review and an active consent, once."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client, override_settings

from mentorship.models import Mentorship, ScorecardRating, User
from reviews.models import ProgressReview, ReviewRating, SupervisorConsent
from reviews.trends import trends_for


def _seed():
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_demo_has_a_review_a_scorecard_history_and_a_consent(db):
    _seed()
    mentorship = Mentorship.objects.get(mentor__email="mentor@example.org")
    [done] = mentorship.progress_reviews.filter(status="completed")
    assert done.assessments.count() == 2 * done.version.criteria.count()
    assert ScorecardRating.objects.filter(checkin__mentorship=mentorship).exists()
    assert all(len(trend.points) >= 2 for trend in trends_for(mentorship))
    [consent] = SupervisorConsent.objects.all()
    assert consent.is_active() and consent.supervisor.email == "supervisor@example.org"

    counts = (
        ProgressReview.objects.count(),
        ReviewRating.objects.count(),
        SupervisorConsent.objects.count(),
    )
    _seed()
    assert (
        ProgressReview.objects.count(),
        ReviewRating.objects.count(),
        SupervisorConsent.objects.count(),
    ) == counts


def test_the_demo_supervisor_reads_the_summary(db):
    _seed()
    client = Client()
    client.force_login(User.objects.get(email="supervisor@example.org"))
    mentorship = Mentorship.objects.get(mentor__email="mentor@example.org")
    page = client.get(f"/supervision/{mentorship.public_id}/")
    assert page.status_code == 200
    assert "I have led two of the team" in page.content.decode()
