"""Notification tasks of agreements, queued by the services after commit.

Kept apart from agreements.tasks, which calls the services, so that the services can
queue these without an import cycle; agreements.tasks imports this module, which is
how workers register them.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Disclosure
from mentorship.lib import emails


@shared_task(
    autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def notify_disclosure(*, disclosure_id: int) -> bool:
    """Tell the party who did not record it that a disclosure was recorded (no content)."""
    with transaction.atomic():
        disclosure = (
            Disclosure.objects.select_for_update(of=("self",))
            .select_related(
                "agreement__mentorship__mentor", "agreement__mentorship__mentee"
            )
            .filter(pk=disclosure_id)
            .first()
        )
        if disclosure is None or disclosure.notified_at:
            return False
        mentorship = disclosure.agreement.mentorship
        other = (
            mentorship.mentee
            if disclosure.recorded_by_id == mentorship.mentor_id
            else mentorship.mentor
        )
        emails.send(
            "disclosure_recorded",
            to=other.email,
            subject=_("A disclosure was recorded under your mentoring agreement"),
            context={
                "name": other.get_short_name(),
                "url": emails.absolute_url(
                    reverse("agreements:detail", args=[mentorship.public_id])
                ),
            },
        )
        disclosure.notified_at = timezone.now()
        disclosure.save(update_fields=["notified_at", "updated_at"])
    return True
