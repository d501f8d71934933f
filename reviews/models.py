"""Progress reviews, the supervisor's consent to a summary, and who read it when.

A ProgressReview falls due on the mentorship's review cadence. When the pair opens it,
it binds to the agreement version in force, and its assessments are of that version's
success criteria: later reviews measure the criteria of later versions, earlier ones
keep theirs. A SupervisorConsent is granted by the mentee alone and never deleted: a
withdrawal or a new grant ends it, and every SummaryView of the supervisor is logged.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementVersion, SuccessCriterion
from mentorship.models import Mentorship, Role, TimeStampedModel, public_id_field

TEXT_LIMIT = 4000


class CriterionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    REVISED = "revised", _("Revised")


class ProgressReviewQuerySet(models.QuerySet["ProgressReview"]):
    def open(self) -> ProgressReviewQuerySet:
        return self.exclude(status=ProgressReview.Status.COMPLETED)

    def overdue(self, today: datetime | None = None) -> ProgressReviewQuerySet:
        day = timezone.localdate(today) if today else timezone.localdate()
        return self.open().filter(due_on__lt=day)


class ProgressReview(TimeStampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("Continue as agreed")
        RECALIBRATE = "recalibrate", _("Recalibrate: amend the criteria")

    public_id = public_id_field()
    mentorship = models.ForeignKey(
        Mentorship, models.CASCADE, related_name="progress_reviews"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(max_length=12, choices=Status, default=Status.SCHEDULED)
    # The version in force when the pair opened the review: its criteria are assessed.
    version = models.ForeignKey(
        AgreementVersion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_reviews",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    # Calibration: what the pair agree progress and setbacks look like now.
    progress_means = models.TextField(
        _("what counts as progress"), max_length=TEXT_LIMIT, blank=True
    )
    setback_means = models.TextField(
        _("what counts as a setback"), max_length=TEXT_LIMIT, blank=True
    )
    goal_adaptation = models.TextField(
        _("how goals adapt"), max_length=TEXT_LIMIT, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome, blank=True)
    outcome_note = models.TextField(_("why"), max_length=TEXT_LIMIT, blank=True)
    amendment = models.ForeignKey(
        AgreementVersion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ProgressReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "due_on"], name="review_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled", version=None)
                | (~Q(status="scheduled") & Q(version__isnull=False)),
                name="review_open_has_version",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="completed", completed_at__isnull=False) & ~Q(outcome="")
                )
                | (~Q(status="completed") & Q(outcome="")),
                name="review_completed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Progress review due {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", args=[self.public_id])

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def is_overdue(self) -> bool:
        return not self.is_completed and self.due_on < timezone.localdate()


class CriterionAssessment(TimeStampedModel):
    """One party's assessment of one criterion in a review: the mentee's own, or the
    mentor's."""

    review = models.ForeignKey(
        ProgressReview, models.CASCADE, related_name="assessments"
    )
    criterion = models.ForeignKey(
        SuccessCriterion, models.PROTECT, related_name="assessments"
    )
    role = models.CharField(
        max_length=10,
        choices=[(Role.MENTOR, Role.MENTOR.label), (Role.MENTEE, Role.MENTEE.label)],
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=CriterionStatus)
    evidence = models.TextField(_("evidence"), max_length=TEXT_LIMIT, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["criterion__position", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion", "role"],
                name="assessment_one_per_party",
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="assessment_rating_one_to_five",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["mentor", "mentee"]),
                name="assessment_by_a_party",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} ({self.role})"


class ReviewRating(models.Model):
    """The scorecard as the pair rated it at a review, one row per dimension."""

    review = models.ForeignKey(ProgressReview, models.CASCADE, related_name="ratings")
    dimension = models.CharField(_("dimension"), max_length=80)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "dimension"], name="review_rating_one_per_dimension"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="review_rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"Review rating {self.pk}"


class ConsentScope(models.TextChoices):
    CRITERIA = "criteria", _("Progress on the success criteria")
    SCORECARD = "scorecard", _("The scorecard trend")
    ATTENDANCE = "attendance", _("Check-in attendance")
    SUMMARY = "summary", _("A summary I wrote or approved")


class SupervisorConsentQuerySet(models.QuerySet["SupervisorConsent"]):
    def active(self, now: datetime | None = None) -> SupervisorConsentQuerySet:
        """Granted, neither ended nor expired: read afresh on every request."""
        now = now or timezone.now()
        return self.filter(ended_at=None).filter(
            Q(expires_at=None) | Q(expires_at__gt=now)
        )


class SupervisorConsent(TimeStampedModel):
    """The mentee's consent that the supervisor named on the mentorship may read parts
    of a progress summary. Never changed but to end it, never deleted."""

    class End(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REPLACED = "replaced", _("Replaced by a new grant")
        CLOSED = "closed", _("Supervisor no longer named")

    public_id = public_id_field()
    mentorship = models.ForeignKey(Mentorship, models.PROTECT, related_name="consents")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="consents_granted"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="consents_received"
    )
    scope = models.JSONField(_("what the supervisor may see"), default=list)
    summary = models.TextField(_("your summary"), max_length=TEXT_LIMIT, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # How it was given: the time, the page, and the exact text the mentee agreed to.
    granted_at = models.DateTimeField()
    granted_via = models.CharField(max_length=40)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    text_version = models.CharField(max_length=20)
    text = models.TextField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField(max_length=10, choices=End, blank=True)
    # The receipts emailed to the mentee, stamped once sent.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    end_receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # The supervisor is told a summary is shared, if the consent still holds then.
    supervisor_told_at = models.DateTimeField(null=True, blank=True)

    objects = SupervisorConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship"],
                condition=Q(ended_at=None),
                name="consent_one_open_per_mentorship",
            ),
            models.CheckConstraint(
                condition=Q(ended_at=None, end_reason="")
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="consent_end_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("supervisor")),
                name="consent_not_to_oneself",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.public_id}"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and (
            self.expires_at is None or self.expires_at > now
        )

    def covers(self, part: str) -> bool:
        return part in self.scope

    @property
    def state(self) -> str:
        if self.ended_at is not None:
            return str(self.End(self.end_reason).label)
        if not self.is_active():
            return str(_("Expired"))
        return str(_("Active"))

    def scope_labels(self) -> list[str]:
        return [str(ConsentScope(part).label) for part in self.scope]


class SummaryView(models.Model):
    """One time the supervisor read the summary or downloaded it."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Read the summary")
        EXPORT = "export", _("Downloaded the summary")

    consent = models.ForeignKey(SupervisorConsent, models.PROTECT, related_name="views")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["consent", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.viewed_at:%Y-%m-%d %H:%M}"
