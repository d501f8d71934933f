"""Claims on reminders: one row per reminder, so none is sent twice or lost."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentorship.models.programs import Mentorship


class Reminder(models.Model):
    """A reminder claimed for sending; the unique key makes the claim exclusive.

    The row is inserted, the email sent and sent_at stamped in one transaction: a
    second sender blocks on the uncommitted row and then finds it taken; a sender
    killed before commit leaves no row, so the next sweep sends the reminder.
    """

    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Check-in coming up")
        DRIFT_PAIR = "drift_pair", _("Check-in missed")
        DRIFT_COORDINATOR = "drift_coord", _("Mentorship drifting")
        REVISIT = "revisit", _("Time to revisit the agreement")
        REVIEW_DUE = "review_due", _("Progress review due")
        NOTICE_ENDING = "notice_end", _("Amendment notice ending")
        NOTE_EXPIRY = "note_expiry", _("Note about to expire")
        CONSENT_EXPIRY = "consent_exp", _("Consent to the supervisor ends soon")

    kind = models.CharField(max_length=12, choices=Kind)
    # The public id of what the reminder is about: a check-in, a note, a version...
    subject = models.UUIDField()
    due_at = models.DateTimeField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reminders"
    )
    mentorship = models.ForeignKey(
        Mentorship, models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "recipient", "due_at"],
                name="reminder_claimed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} at {self.due_at}"
