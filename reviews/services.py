"""Progress reviews: planned from the review cadence, assessed by both, completed once.

Consent: granted and withdrawn by the mentee only, each step kept, each step receipted.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements import services as agreement_services
from agreements.models import AgreementVersion, SuccessCriterion, SupervisorSharing
from mentorship.models import Mentorship, ReviewCadence, Role, User
from reviews import notifications
from reviews.models import (
    ConsentScope,
    CriterionAssessment,
    ProgressReview,
    ReviewRating,
    SupervisorConsent,
)

# --- Planning -------------------------------------------------------------------------

REVIEW_MONTHS: dict[str, int] = {
    ReviewCadence.MONTHLY: 1,
    ReviewCadence.QUARTERLY: 3,
    ReviewCadence.SEMIANNUAL: 6,
}


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due_dates(
    *, started_on: date, review_cadence: str, ends_on: date
) -> list[date]:
    """Return the days progress reviews fall due: one review cadence after another,
    counted from the day the mentorship started, up to the cohort's last day."""
    months = REVIEW_MONTHS.get(review_cadence)
    if not months:
        return []
    days = []
    for n in range(1, 12 * 20):
        day = add_months(started_on, months * n)
        if day > ends_on:
            break
        days.append(day)
    return days


def plan_reviews(*, mentorship: Mentorship, today: date | None = None) -> int:
    """Plan the reviews ahead on the review cadence in force; return how many are new.

    Reviews already opened, and every review before today, are left as they are: a
    changed cadence moves only the reviews nobody has started.
    """
    today = today or timezone.localdate()
    days = set()
    if mentorship.is_active:
        days = {
            day
            for day in review_due_dates(
                started_on=mentorship.started_on,
                review_cadence=mentorship.review_cadence,
                ends_on=mentorship.cohort.ends_on,
            )
            if day >= today
        }
    ahead = mentorship.progress_reviews.filter(
        status=ProgressReview.Status.SCHEDULED, due_on__gte=today
    )
    ahead.exclude(due_on__in=days).delete()
    planned = set(
        mentorship.progress_reviews.filter(due_on__in=days).values_list(
            "due_on", flat=True
        )
    )
    new = [
        ProgressReview(mentorship=mentorship, due_on=day)
        for day in sorted(days - planned)
    ]
    ProgressReview.objects.bulk_create(new)
    return len(new)


# --- Assessing and completing ---------------------------------------------------------


def _locked(review: ProgressReview) -> ProgressReview:
    # The mentorship first, the order every service locks in (closing included).
    Mentorship.objects.select_for_update().filter(pk=review.mentorship_id).first()
    return (
        ProgressReview.objects.select_for_update(of=("self",))
        .select_related("mentorship__mentor", "mentorship__mentee", "version")
        .get(pk=review.pk)
    )


def _check_workable(review: ProgressReview, actor: User) -> str:
    """Return the actor's role in the pair; refuse outsiders, closed and done reviews."""
    role = review.mentorship.role_of(actor)
    if role not in (Role.MENTOR, Role.MENTEE):
        raise PermissionDenied
    if not review.mentorship.is_active:
        raise ValidationError(_("This mentorship has closed: its reviews are final."))
    if review.is_completed:
        raise ValidationError(_("This review is complete and can no longer change."))
    return str(role)


def version_in_force(mentorship: Mentorship) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(
            agreement__mentorship=mentorship,
            status=AgreementVersion.Status.EFFECTIVE,
        )
        .prefetch_related("criteria")
        .first()
    )


def _open(review: ProgressReview, seen_version_id: int | None) -> None:
    """Bind the review to the version in force: its criteria are the ones assessed."""
    version = version_in_force(review.mentorship)
    if version is None:
        raise ValidationError(
            _(
                "A review measures the criteria of a signed agreement: there is none yet."
            )
        )
    if seen_version_id is not None and version.pk != seen_version_id:
        raise ValidationError(
            _("The agreement changed after you opened this review. Read it again.")
        )
    review.version = version
    review.status = ProgressReview.Status.IN_PROGRESS
    review.started_at = timezone.now()
    review.save(update_fields=["version", "status", "started_at", "updated_at"])


@dataclass(frozen=True)
class Assessment:
    criterion_id: int
    status: str
    evidence: str
    rating: int


@transaction.atomic
def save_assessments(
    *,
    review: ProgressReview,
    actor: User,
    assessments: list[Assessment],
    seen_version_id: int | None = None,
) -> ProgressReview:
    """Record the actor's assessment of every criterion: the mentee's own, the mentor's.

    The first one opens the review on the version in force; seen_version_id (the
    version whose criteria the form showed) refuses a save across an amendment.
    """
    review = _locked(review)
    role = _check_workable(review, actor)
    if review.status == ProgressReview.Status.SCHEDULED:
        _open(review, seen_version_id)
    elif seen_version_id is not None and review.version_id != seen_version_id:
        raise ValidationError(_("This review measures other criteria. Read it again."))
    assert review.version is not None  # opened above
    criteria = set(review.version.criteria.values_list("pk", flat=True))
    if {a.criterion_id for a in assessments} != criteria or len(assessments) != len(
        criteria
    ):
        raise ValidationError(_("Assess each criterion of the agreement once."))
    review.assessments.filter(role=role).delete()
    CriterionAssessment.objects.bulk_create(
        CriterionAssessment(
            review=review,
            criterion_id=a.criterion_id,
            role=role,
            assessed_by=actor,
            status=a.status,
            evidence=a.evidence.strip(),
            rating=a.rating,
        )
        for a in assessments
    )
    return review


def missing_parties(review: ProgressReview) -> list[str]:
    """The roles that have not yet assessed every criterion of the review."""
    if review.version_id is None:
        return [Role.MENTEE, Role.MENTOR]
    needed = SuccessCriterion.objects.filter(version_id=review.version_id).count()
    counts = dict(
        review.assessments.values_list("role").annotate(n=Count("pk")).order_by()
    )
    return [role for role in (Role.MENTEE, Role.MENTOR) if counts.get(role, 0) < needed]


@dataclass(frozen=True)
class Completion:
    outcome: str
    note: str
    progress_means: str
    setback_means: str
    goal_adaptation: str
    ratings: dict[str, int] = field(default_factory=dict)
    criteria_to_change: list[int] = field(default_factory=list)


def _recalibrate(
    review: ProgressReview, actor: User, completion: Completion
) -> AgreementVersion:
    """Open the amendment draft that changes the chosen criteria."""
    assert review.version is not None
    chosen = list(review.version.criteria.filter(pk__in=completion.criteria_to_change))
    if not chosen or len(chosen) != len(set(completion.criteria_to_change)):
        raise ValidationError(
            {"criteria_to_change": _("Choose the criteria the amendment changes.")}
        )
    day = formats.date_format(review.due_on, "j F Y")
    lines = [_("Recalibration after the progress review due %(day)s.") % {"day": day}]
    lines += [_("Criteria to change:")] + [f"- {c.description}" for c in chosen]
    if completion.note.strip():
        lines += ["", completion.note.strip()]
    return agreement_services.propose_amendment(
        agreement=review.version.agreement, actor=actor, rationale="\n".join(lines)
    )


@transaction.atomic
def complete_review(
    *, review: ProgressReview, actor: User, completion: Completion
) -> ProgressReview:
    """Record the calibration, the scorecard and the outcome once both have assessed.

    Recalibrate opens an amendment draft naming the criteria to change; nothing is
    recorded if the amendment is refused (one is already open, say).
    """
    review = _locked(review)
    _check_workable(review, actor)
    waiting = missing_parties(review)
    if waiting:
        names: dict[str, User] = {
            Role.MENTEE: review.mentorship.mentee,
            Role.MENTOR: review.mentorship.mentor,
        }
        raise ValidationError(
            _("Both of you assess every criterion first: waiting for %(names)s.")
            % {"names": ", ".join(str(names[role]) for role in waiting)}
        )
    dimensions = list(review.mentorship.scorecard_dimensions)
    if set(completion.ratings) != set(dimensions):
        raise ValidationError(_("Rate each dimension of the scorecard."))
    if completion.outcome == ProgressReview.Outcome.RECALIBRATE:
        review.amendment = _recalibrate(review, actor, completion)
    review.outcome = completion.outcome
    review.outcome_note = completion.note.strip()
    review.progress_means = completion.progress_means.strip()
    review.setback_means = completion.setback_means.strip()
    review.goal_adaptation = completion.goal_adaptation.strip()
    review.status = ProgressReview.Status.COMPLETED
    review.completed_at = timezone.now()
    review.completed_by = actor
    review.save()
    ReviewRating.objects.bulk_create(
        ReviewRating(review=review, dimension=name, rating=completion.ratings[name])
        for name in dimensions
    )
    return review


def drop_reviews_ahead(*, mentorship: Mentorship, now: datetime) -> int:
    """Remove the reviews nobody started that fall after a mentorship closed."""
    deleted, _rows = mentorship.progress_reviews.filter(
        status=ProgressReview.Status.SCHEDULED, due_on__gte=timezone.localdate(now)
    ).delete()
    return deleted


# --- Supervisor consent ---------------------------------------------------------------

CONSENT_TEXT_VERSION = "2026-12"
CONSENT_TEXT = _(
    "I, %(mentee)s, agree that %(supervisor)s, named as my supervisor on this "
    "mentorship, may read on this site the parts of my progress summary that I tick "
    "below, until the end date I set below or, if I set none, until I withdraw this "
    "consent. They will never see my notes, what is said at our check-ins, or the "
    "confidential sections of our agreement. I can withdraw this consent at any time "
    "with one click, and it ends at once."
)


def consent_text(*, mentorship: Mentorship) -> str:
    """Return the consent statement exactly as the mentee is shown it."""
    return CONSENT_TEXT % {
        "mentee": mentorship.mentee.full_name,
        "supervisor": mentorship.supervisor.full_name if mentorship.supervisor else "",
    }


def text_digest(text: str) -> str:
    """The digest the consent form carries of the statement it showed."""
    return hashlib.sha256(f"{CONSENT_TEXT_VERSION}\n{text}".encode()).hexdigest()


def sharing_allowed(mentorship: Mentorship) -> bool:
    """False when the agreement in force says nothing goes to the supervisor."""
    return not AgreementVersion.objects.filter(
        agreement__mentorship=mentorship,
        status=AgreementVersion.Status.EFFECTIVE,
        supervisor_sharing=SupervisorSharing.NOTHING,
    ).exists()


@dataclass(frozen=True)
class Grant:
    scope: list[str]
    summary: str
    expires_at: datetime | None
    seen_digest: str
    via: str = "consent page"
    ip_address: str | None = None
    user_agent: str = ""


def _check_grant(mentorship: Mentorship, grant: Grant) -> None:
    if not mentorship.is_active:
        raise ValidationError(
            _("This mentorship has closed: there is no progress left to share.")
        )
    if mentorship.supervisor is None:
        raise ValidationError(_("No supervisor is named on this mentorship."))
    if not sharing_allowed(mentorship):
        raise ValidationError(
            _("Your agreement says nothing is shared with your supervisor.")
        )
    if grant.seen_digest != text_digest(consent_text(mentorship=mentorship)):
        raise ValidationError(
            _("The consent statement changed after you opened it. Read it again.")
        )
    errors = {}
    if not grant.scope or not set(grant.scope) <= set(ConsentScope.values):
        errors["scope"] = _("Tick at least one part to share.")
    if ConsentScope.SUMMARY in grant.scope and not grant.summary.strip():
        errors["summary"] = _("Write the summary your supervisor may read.")
    if grant.expires_at is not None and grant.expires_at <= timezone.now():
        errors["expires_on"] = _("The end of the consent must be in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def grant_consent(
    *, mentorship: Mentorship, mentee: User, grant: Grant
) -> SupervisorConsent:
    """Record the mentee's consent; a consent still open is replaced, never edited."""
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .with_people()
        .get(pk=mentorship.pk)
    )
    if mentorship.mentee_id != mentee.pk:
        raise PermissionDenied
    _check_grant(mentorship, grant)
    assert mentorship.supervisor is not None
    now = timezone.now()
    scope = [part for part in ConsentScope.values if part in grant.scope]
    mentorship.consents.filter(ended_at=None).update(
        ended_at=now,
        ended_by=mentee,
        end_reason=SupervisorConsent.End.REPLACED,
        updated_at=now,
    )
    consent = SupervisorConsent.objects.create(
        mentorship=mentorship,
        mentee=mentee,
        supervisor=mentorship.supervisor,
        scope=scope,
        summary=grant.summary.strip() if ConsentScope.SUMMARY in scope else "",
        expires_at=grant.expires_at,
        granted_at=now,
        granted_via=grant.via,
        ip_address=grant.ip_address,
        user_agent=grant.user_agent[:500],
        text_version=CONSENT_TEXT_VERSION,
        text=consent_text(mentorship=mentorship),
    )
    transaction.on_commit(
        partial(notifications.send_consent_receipt.delay, consent_id=consent.pk)
    )
    transaction.on_commit(
        partial(notifications.tell_supervisor.delay, consent_id=consent.pk)
    )
    return consent


@transaction.atomic
def withdraw_consent(*, mentorship: Mentorship, mentee: User) -> SupervisorConsent:
    """End the consent now: the supervisor's next request is refused."""
    Mentorship.objects.select_for_update().filter(pk=mentorship.pk).first()
    if mentorship.mentee_id != mentee.pk:
        raise PermissionDenied
    consent = (
        SupervisorConsent.objects.select_for_update()
        .filter(mentorship=mentorship, ended_at=None)
        .first()
    )
    if consent is None:
        raise ValidationError(_("Nothing is shared with your supervisor at present."))
    consent.ended_at = timezone.now()
    consent.ended_by = mentee
    consent.end_reason = SupervisorConsent.End.WITHDRAWN
    consent.save(update_fields=["ended_at", "ended_by", "end_reason", "updated_at"])
    transaction.on_commit(
        partial(
            notifications.send_consent_receipt.delay, consent_id=consent.pk, ended=True
        )
    )
    return consent
