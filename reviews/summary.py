"""The supervisor's summary: only the parts the mentee consented to, built one way.

The supervisor's page, its download and the mentee's preview all call build_summary
with the consent, so the mentee previews exactly what the supervisor is shown. Nothing
here reads notes, what a check-in recorded, or the agreement's confidential sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from agreements.models import SuccessCriterion
from mentorship.models import CheckIn
from reviews import services, trends
from reviews.models import (
    ConsentScope,
    CriterionAssessment,
    CriterionStatus,
    ProgressReview,
    SupervisorConsent,
)


@dataclass(frozen=True)
class CriterionProgress:
    description: str
    target: str
    due_on: date
    mentee_status: str
    mentor_status: str


@dataclass(frozen=True)
class Attendance:
    held: int
    missed: int
    cancelled: int
    upcoming: int

    @property
    def rate(self) -> int | None:
        """Share of the check-ins that came due and were held, in percent."""
        due = self.held + self.missed
        return round(100 * self.held / due) if due else None


@dataclass(frozen=True)
class Summary:
    consent: SupervisorConsent
    reviewed_on: date | None = None
    criteria: list[CriterionProgress] | None = None
    trends: list[trends.Trend] | None = None
    attendance: Attendance | None = None
    text: str | None = None


def _criteria(
    consent: SupervisorConsent,
) -> tuple[date | None, list[CriterionProgress]]:
    """The criteria as the last completed review assessed them; before any review,
    those of the agreement in force, not yet assessed."""
    mentorship = consent.mentorship
    review = (
        mentorship.progress_reviews.filter(status=ProgressReview.Status.COMPLETED)
        .order_by("-due_on")
        .first()
    )
    if review is None:
        version = services.version_in_force(mentorship)
        criteria = list(version.criteria.all()) if version else []
        pending = str(CriterionStatus.NOT_STARTED.label)
        return None, [
            CriterionProgress(c.description, c.target, c.due_on, pending, pending)
            for c in criteria
        ]
    statuses = {
        (a.criterion_id, a.role): a.get_status_display()
        for a in CriterionAssessment.objects.filter(review=review)
    }
    rows = [
        CriterionProgress(
            c.description,
            c.target,
            c.due_on,
            statuses.get((c.pk, "mentee"), ""),
            statuses.get((c.pk, "mentor"), ""),
        )
        for c in SuccessCriterion.objects.filter(version_id=review.version_id)
    ]
    return review.due_on, rows


def _attendance(consent: SupervisorConsent) -> Attendance:
    now = timezone.now()
    counts = CheckIn.objects.filter(mentorship=consent.mentorship).aggregate(
        held=Count("pk", filter=Q(status=CheckIn.Status.HELD)),
        missed=Count("pk", filter=Q(status=CheckIn.Status.MISSED)),
        cancelled=Count("pk", filter=Q(status=CheckIn.Status.CANCELLED)),
        upcoming=Count(
            "pk",
            filter=Q(status=CheckIn.Status.SCHEDULED, scheduled_at__gte=now),
        ),
    )
    return Attendance(**counts)


def build_summary(consent: SupervisorConsent) -> Summary:
    """Return the consented parts of the mentee's progress, and nothing else."""
    reviewed_on, criteria = (
        _criteria(consent) if consent.covers(ConsentScope.CRITERIA) else (None, None)
    )
    return Summary(
        consent=consent,
        reviewed_on=reviewed_on,
        criteria=criteria,
        trends=trends.trends_for(consent.mentorship)
        if consent.covers(ConsentScope.SCORECARD)
        else None,
        attendance=_attendance(consent)
        if consent.covers(ConsentScope.ATTENDANCE)
        else None,
        text=consent.summary if consent.covers(ConsentScope.SUMMARY) else None,
    )


def summary_rows(summary: Summary) -> list[list[str]]:
    """The summary as CSV rows (part, item, value): the same parts as the page."""
    rows = [["part", "item", "value"]]
    if summary.text is not None:
        rows.append(["summary", "", summary.text])
    if summary.criteria is not None:
        reviewed = (
            summary.reviewed_on.isoformat() if summary.reviewed_on else "none yet"
        )
        rows.append(["criteria", "assessed at the review due", reviewed])
        for c in summary.criteria:
            rows.append(["criteria", c.description, f"mentee: {c.mentee_status}"])
            rows.append(["criteria", c.description, f"mentor: {c.mentor_status}"])
    if summary.attendance is not None:
        a = summary.attendance
        for name in ("held", "missed", "cancelled", "upcoming"):
            rows.append(["attendance", name, str(getattr(a, name))])
    if summary.trends is not None:
        for trend in summary.trends:
            rows.append(["scorecard", trend.dimension, f"{len(trend.points)} ratings"])
            rows += [
                [
                    "scorecard",
                    trend.dimension,
                    f"{p.day.isoformat()} {p.source} {p.rating}",
                ]
                for p in trend.points
            ]
    return rows
