"""The living toolkit: what participants learned, contributed to their program."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentorship.models.programs import Program, TimeStampedModel, public_id_field

TITLE_LIMIT = 200
BODY_LIMIT = 4000
LINK_LIMIT = 500
REASON_LIMIT = 1000
# Only web links: a javascript: or data: address in an href would run in the reader's
# browser.
LINK_SCHEMES = ["http", "https"]


class ToolkitEntryQuerySet(models.QuerySet["ToolkitEntry"]):
    def published(self) -> ToolkitEntryQuerySet:
        return self.filter(status=ToolkitEntry.Status.PUBLISHED)

    def submitted(self) -> ToolkitEntryQuerySet:
        return self.filter(status=ToolkitEntry.Status.SUBMITTED)


class ToolkitEntry(TimeStampedModel):
    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson learned")
        STRATEGY = "strategy", _("Strategy")
        BARRIER = "barrier", _("Common barrier")
        RESOURCE = "resource", _("Resource")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")

    public_id = public_id_field()
    program = models.ForeignKey(Program, models.CASCADE, related_name="toolkit_entries")
    # Kept when the entry is anonymous: the author lists their own entries, and
    # nobody else (coordinators included) is shown who wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="toolkit_entries",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    body = models.TextField(_("what to share"), max_length=BODY_LIMIT)
    link = models.URLField(
        _("link (optional)"),
        max_length=LINK_LIMIT,
        blank=True,
        validators=[URLValidator(schemes=LINK_SCHEMES)],
    )
    is_anonymous = models.BooleanField(
        _("share anonymously"),
        default=False,
        help_text=_("Others see “Anonymous” instead of your name, coordinators too."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(
        _("reason (optional)"), max_length=REASON_LIMIT, blank=True
    )

    objects = ToolkitEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("toolkit entry")
        verbose_name_plural = _("toolkit entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["program", "status", "-decided_at"],
                name="toolkit_entry_program_status",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="submitted", decided_at=None)
                | (~Q(status="submitted") & Q(decided_at__isnull=False)),
                name="toolkit_entry_decision_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="declined") | Q(decline_reason=""),
                name="toolkit_entry_reason_only_when_declined",
            ),
            models.CheckConstraint(
                condition=Q(link="")
                | Q(link__istartswith="http://")
                | Q(link__istartswith="https://"),
                name="toolkit_entry_link_is_web",
            ),
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(body=""),
                name="toolkit_entry_has_text",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
