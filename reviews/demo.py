"""Demo reviews and consent: a completed review, and Eli's consent for Sam."""

from __future__ import annotations

from typing import Any

from mentorship.models import Cohort, Mentorship, User
from reviews import services
from reviews.models import ConsentScope, ProgressReview

SUMMARY = (
    "I have led two of the team's design reviews and present at the all-hands next "
    "month. I am working on delegating more."
)


def _complete_first_review(mentorship: Mentorship) -> None:
    review = mentorship.progress_reviews.open().order_by("due_on").first()
    version = services.version_in_force(mentorship)
    if review is None or version is None:
        return
    for party, status, rating in [
        (mentorship.mentee, "on_track", 3),
        (mentorship.mentor, "on_track", 4),
    ]:
        services.save_assessments(
            review=review,
            actor=party,
            assessments=[
                services.Assessment(c.pk, status, "Two design reviews led.", rating)
                for c in version.criteria.all()
            ],
        )
    services.complete_review(
        review=review,
        actor=mentorship.mentor,
        completion=services.Completion(
            outcome=ProgressReview.Outcome.CONTINUE,
            note="Good pace; keep the targets.",
            progress_means="Eli leads a review without Maya in the room.",
            setback_means="A review postponed for lack of preparation.",
            goal_adaptation="Targets move only at a review, by amendment.",
            ratings={name: 4 for name in mentorship.scorecard_dimensions},
        ),
    )


def _consent(mentorship: Mentorship) -> None:
    text = services.consent_text(mentorship=mentorship)
    services.grant_consent(
        mentorship=mentorship,
        mentee=mentorship.mentee,
        grant=services.Grant(
            scope=[
                ConsentScope.CRITERIA,
                ConsentScope.ATTENDANCE,
                ConsentScope.SUMMARY,
            ],
            summary=SUMMARY,
            expires_at=None,
            seen_digest=services.text_digest(text),
            via="seed_demo",
        ),
    )


def seed(sender: Any, users: dict[str, User], cohort: Cohort, **kwargs: Any) -> None:
    """Give the first demo pair a completed review and Eli's consent, once."""
    mentorship = cohort.mentorships.with_people().get(
        mentor=users["mentor@example.org"]
    )
    if not mentorship.progress_reviews.filter(
        status=ProgressReview.Status.COMPLETED
    ).exists():
        _complete_first_review(mentorship)
    if mentorship.supervisor and not mentorship.consents.exists():
        _consent(mentorship)
