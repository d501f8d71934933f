"""Helpers for check-in tests: signed terms without going through the agreement."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from mentorship import services
from mentorship.models import CheckIn, Mentorship

DIMENSIONS = ["Skill development", "Project delivery", "Professional behaviours"]


def sign_terms(
    mentorship: Mentorship,
    *,
    cadence: str = "weekly",
    days: int | None = None,
    at: datetime | None = None,
    retention_days: int = 365,
    anchor: str = "written",
) -> Mentorship:
    """Put terms in force as a signed agreement would (agreements calls apply_terms)."""
    return services.apply_terms(
        mentorship=mentorship,
        terms=services.OperatingTerms(
            effective_at=at or timezone.now(),
            cadence=cadence,
            cadence_days=days,
            review_cadence="quarterly",
            retention_days=retention_days,
            retention_anchor=anchor,
            scorecard_dimensions=DIMENSIONS,
        ),
    )


def past_checkin(mentorship: Mentorship, *, hours_ago: float = 2) -> CheckIn:
    """A check-in that was planned for a moment already past."""
    return CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timezone.timedelta(hours=hours_ago),
    )
