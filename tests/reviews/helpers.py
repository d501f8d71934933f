"""Helpers for review and consent tests: an agreement in force, a review done."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agreements import services as agreement_services
from mentorship.models import Mentorship, User
from reviews import services
from reviews.models import ProgressReview, SupervisorConsent
from tests import factories

# Written into every confidential field a test fills; no summary may ever carry it.
CANARY = "canary-5d2e8b-confidential"


def in_force(mentorship: Mentorship):
    """Sign the mentorship's first agreement (one criterion); return the version."""
    return factories.effective_agreement(mentorship)


def first_review(mentorship: Mentorship) -> ProgressReview:
    return mentorship.progress_reviews.order_by("due_on").first()


def assess_all(
    review: ProgressReview, user: User, *, status: str = "on_track", rating: int = 4
) -> ProgressReview:
    version = review.version or services.version_in_force(review.mentorship)
    return services.save_assessments(
        review=review,
        actor=user,
        assessments=[
            services.Assessment(c.pk, status, f"Evidence from {user.full_name}", rating)
            for c in version.criteria.all()
        ],
    )


def completion(mentorship: Mentorship, **changes) -> services.Completion:
    fields = {
        "outcome": "continue",
        "note": "",
        "progress_means": "Leading reviews without help.",
        "setback_means": "Skipping the reviews.",
        "goal_adaptation": "Adjust targets at each review.",
        "ratings": {name: 3 for name in mentorship.scorecard_dimensions},
        **changes,
    }
    return services.Completion(**fields)


def completed_review(mentorship: Mentorship, **changes) -> ProgressReview:
    """Assess as both parties and complete the first open review."""
    mentorship.refresh_from_db()
    review = mentorship.progress_reviews.open().order_by("due_on").first()
    assess_all(review, mentorship.mentee)
    assess_all(review, mentorship.mentor)
    return services.complete_review(
        review=review,
        actor=mentorship.mentor,
        completion=completion(mentorship, **changes),
    )


def grant(
    mentorship: Mentorship,
    *,
    scope: list[str] | None = None,
    summary: str = "I lead the design reviews now.",
    days: int | None = None,
) -> SupervisorConsent:
    text = services.consent_text(mentorship=mentorship)
    return services.grant_consent(
        mentorship=mentorship,
        mentee=mentorship.mentee,
        grant=services.Grant(
            scope=scope or ["criteria", "scorecard", "attendance", "summary"],
            summary=summary,
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            seen_digest=services.text_digest(text),
        ),
    )


def amend_criteria(mentorship: Mentorship, description: str):
    """Amend the agreement in force with a new criterion; both sign, notice waived."""
    agreement = mentorship.agreement
    amendment = agreement_services.propose_amendment(
        agreement=agreement, actor=mentorship.mentor, rationale="New goals."
    )
    draft = factories.complete_draft()
    draft.criteria[0]["description"] = description
    amendment = agreement_services.update_draft(
        version=amendment, editor=mentorship.mentor, draft=draft
    )
    amendment = agreement_services.propose(version=amendment, actor=mentorship.mentor)
    for party in (mentorship.mentor, mentorship.mentee):
        factories.sign_as(amendment, party)
        agreement_services.waive_notice(version=amendment, party=party)
    amendment.refresh_from_db()
    return amendment


def lived_in(mentorship: Mentorship) -> Mentorship:
    """An agreement in force with a confidential section, a held check-in with its
    record and ratings, notes of both kinds and a completed review, each carrying
    CANARY wherever the text is confidential."""
    from agreements.models import AgreementVersion
    from mentorship import notes
    from mentorship.models import CheckIn, ScorecardRating

    version = in_force(mentorship)
    AgreementVersion.objects.filter(pk=version.pk).update(private_matters=CANARY)
    mentorship.refresh_from_db()
    held = CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timedelta(days=3),
        status=CheckIn.Status.HELD,
        format="video",
        alignment=CANARY,
        progress=CANARY,
        next_steps=CANARY,
        recorded_at=timezone.now() - timedelta(days=3),
    )
    ScorecardRating.objects.bulk_create(
        ScorecardRating(checkin=held, dimension=name, rating=3)
        for name in mentorship.scorecard_dimensions
    )
    for author, visibility in [
        (mentorship.mentor, "private"),
        (mentorship.mentee, "shared"),
    ]:
        notes.create_note(
            mentorship=mentorship, author=author, body=CANARY, visibility=visibility
        )
    review = mentorship.progress_reviews.order_by("due_on").first()
    for party in (mentorship.mentee, mentorship.mentor):
        services.save_assessments(
            review=review,
            actor=party,
            assessments=[
                services.Assessment(c.pk, "on_track", CANARY, 4)
                for c in version.criteria.all()
            ],
        )
    services.complete_review(
        review=review,
        actor=mentorship.mentor,
        completion=completion(mentorship, progress_means=CANARY, note=CANARY),
    )
    return mentorship
