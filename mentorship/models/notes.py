"""Notes, their per-object permissions, and the records of their destruction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from mentorship.models.checkins import CheckIn
from mentorship.models.programs import (
    Mentorship,
    RetentionAnchor,
    TimeStampedModel,
    public_id_field,
)

NOTE_LIMIT = 20_000


class Note(TimeStampedModel):
    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Private: only you")
        SHARED = "shared", _("Shared with your mentoring partner")

    public_id = public_id_field()
    mentorship = models.ForeignKey(Mentorship, models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="notes"
    )
    checkin = models.ForeignKey(
        CheckIn,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("check-in"),
    )
    visibility = models.CharField(
        _("who can read it"),
        max_length=10,
        choices=Visibility,
        default=Visibility.PRIVATE,
    )
    body = models.TextField(_("note"), max_length=NOTE_LIMIT)
    # When the retention period ends. None while it is counted from a closing that has
    # not happened yet.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["expires_at", "id"],
                name="note_expiry",
                condition=Q(expires_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        # Never the body: this string reaches admin logs and error reports.
        return f"Note {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:note_detail", args=[self.public_id])

    @property
    def is_shared(self) -> bool:
        return self.visibility == self.Visibility.SHARED


class NoteUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Note, models.CASCADE)


class NoteGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Note, models.CASCADE)


class DestructionRecord(models.Model):
    """What one purge transaction destroyed for one mentorship: metadata, never content."""

    public_id = public_id_field()
    mentorship = models.ForeignKey(
        Mentorship, models.PROTECT, related_name="destruction_records"
    )
    note_count = models.PositiveIntegerField()
    oldest_created_at = models.DateTimeField()
    newest_created_at = models.DateTimeField()
    retention_days = models.PositiveSmallIntegerField()
    retention_anchor = models.CharField(max_length=10, choices=RetentionAnchor)
    # The earliest expiry among the notes: how late the purge was, at worst.
    due_at = models.DateTimeField()
    run_at = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)
    # A re-query inside the same transaction found none of the deleted notes.
    verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-run_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(note_count__gte=1)
                & Q(oldest_created_at__lte=models.F("newest_created_at")),
                name="destruction_record_is_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.note_count} notes destroyed {self.run_at:%Y-%m-%d %H:%M}"

    @property
    def rule(self) -> str:
        return (
            f"{self.retention_days} days {RetentionAnchor(self.retention_anchor).label}"
        )
