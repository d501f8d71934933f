"""The running part of a mentorship: check-ins, their feedback and ratings, revisits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentorship.models.programs import (
    Mentorship,
    TimeStampedModel,
    User,
    public_id_field,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

TEXT_LIMIT = 4000


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone")


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def of_pair_member(self, user: User | AnonymousUser) -> CheckInQuerySet:
        """Check-ins of mentorships the user is in (the only people who see content)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(mentorship__mentor=user) | Q(mentorship__mentee=user))

    def scheduled(self) -> CheckInQuerySet:
        return self.filter(status=CheckIn.Status.SCHEDULED)

    def upcoming(self, now: datetime | None = None) -> CheckInQuerySet:
        return self.scheduled().filter(scheduled_at__gte=now or timezone.now())

    def overdue(self, now: datetime | None = None) -> CheckInQuerySet:
        """Still marked scheduled, but past their time by more than the grace period."""
        cutoff = (now or timezone.now()) - timedelta(
            hours=settings.CHECKIN_RECORDING_GRACE_HOURS
        )
        return self.scheduled().filter(scheduled_at__lt=cutoff)


class CheckIn(TimeStampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        SERIES = "series", _("From the agreed cadence")
        EXTRA = "extra", _("Extra")

    public_id = public_id_field()
    mentorship = models.ForeignKey(
        Mentorship,
        models.CASCADE,
        related_name="checkins",
        verbose_name=_("mentorship"),
    )
    scheduled_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    origin = models.CharField(max_length=10, choices=Origin, default=Origin.SERIES)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.SCHEDULED
    )
    format = models.CharField(
        _("format"), max_length=10, choices=MeetingFormat, blank=True
    )
    # Rescheduling and cancelling: who did it, why, and the time it had before.
    rescheduled_from = models.DateTimeField(null=True, blank=True)
    change_reason = models.TextField(_("reason"), max_length=1000, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The record of the meeting: seen by the pair only.
    alignment = models.TextField(
        _("alignment on objectives"), max_length=TEXT_LIMIT, blank=True
    )
    progress = models.TextField(
        _("progress since last time"), max_length=TEXT_LIMIT, blank=True
    )
    next_steps = models.TextField(_("next steps"), max_length=TEXT_LIMIT, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "scheduled_at"],
                condition=~Q(status="cancelled"),
                name="checkin_one_per_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"])
                | Q(recorded_at__isnull=False),
                name="checkin_outcome_is_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(format=""),
                name="checkin_held_has_format",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="checkin_duration_in_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return f"Check-in {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:checkin_detail", args=[self.public_id])

    @property
    def ends_at(self) -> datetime:
        return self.scheduled_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        """Still scheduled: it can be moved, cancelled or recorded."""
        return self.status == self.Status.SCHEDULED

    @property
    def awaits_record(self) -> bool:
        """Its time has come and nobody has said whether it was held."""
        return self.is_open and self.scheduled_at <= timezone.now()

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None


class FeedbackItem(TimeStampedModel):
    """Feedback given in a specific form: situation, observation, impact, suggestion."""

    FIELDS = ("situation", "observation", "impact", "suggestion")
    # Items one person may give on one check-in.
    LIMIT = 10

    checkin = models.ForeignKey(CheckIn, models.CASCADE, related_name="feedback_items")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    situation = models.TextField(_("situation"), max_length=2000)
    observation = models.TextField(_("observation"), max_length=2000)
    impact = models.TextField(_("impact"), max_length=2000)
    suggestion = models.TextField(_("suggestion"), max_length=2000)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Feedback on {self.checkin}"


class ScorecardRating(models.Model):
    checkin = models.ForeignKey(CheckIn, models.CASCADE, related_name="ratings")
    dimension = models.CharField(_("dimension"), max_length=80)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkin", "dimension"], name="rating_one_per_dimension"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="rating_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        # No dimension or score: the admin lists related objects by this string.
        return f"Scorecard rating {self.pk}"


class RevisitPrompt(TimeStampedModel):
    """A prompt to the pair to revisit their agreement, and what they decided."""

    class Reason(models.TextChoices):
        MISSES = "misses", _("Repeated missed check-ins")
        MIDPOINT = "midpoint", _("The cohort's midpoint")
        BEFORE_END = "before_end", _("The cohort ends soon")

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept as it is")
        AMENDED = "amended", _("Amended")
        CLOSED = "closed", _("Mentorship closed")

    public_id = public_id_field()
    mentorship = models.ForeignKey(
        Mentorship, models.CASCADE, related_name="revisit_prompts"
    )
    reason = models.CharField(max_length=12, choices=Reason)
    # The day the prompt is about: the midpoint, the day before-end prompts start, or
    # the day of the miss that triggered it. One prompt per mentorship, reason and day.
    due_on = models.DateField()
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    outcome_note = models.TextField(_("note"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "reason", "due_on"], name="revisit_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(decided_at__isnull=False),
                name="revisit_outcome_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Revisit ({self.get_reason_display()}) {self.due_on}"

    @property
    def is_open(self) -> bool:
        return not self.outcome
