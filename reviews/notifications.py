"""Notification tasks of reviews, queued by the services after commit.

Kept apart from reviews.tasks, which calls the services, so that the services can
queue these without an import cycle; reviews.tasks imports this module, which is how
workers register them.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mentorship.lib import emails
from reviews.models import SupervisorConsent


@shared_task(
    autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def send_consent_receipt(*, consent_id: int, ended: bool = False) -> bool:
    """Email the mentee a receipt of a grant or a withdrawal, once.

    The receipt names the parts shared and the dates, never the summary itself.
    """
    stamp = "end_receipt_sent_at" if ended else "receipt_sent_at"
    with transaction.atomic():
        consent = (
            SupervisorConsent.objects.select_for_update(of=("self",))
            .select_related("mentee", "supervisor", "mentorship")
            .filter(pk=consent_id)
            .first()
        )
        if (
            consent is None
            or getattr(consent, stamp)
            or (ended and not consent.ended_at)
        ):
            return False
        zone = consent.mentee.zone
        emails.send(
            "consent_ended_receipt" if ended else "consent_receipt",
            to=consent.mentee.email,
            subject=_("Your consent was withdrawn")
            if ended
            else _("Your consent was recorded"),
            context={
                "name": consent.mentee.get_short_name(),
                "supervisor_name": consent.supervisor.full_name,
                "reference": consent.public_id,
                "parts": consent.scope_labels(),
                "granted": formats.date_format(
                    consent.granted_at.astimezone(zone), "j F Y, H:i"
                ),
                "expires": formats.date_format(
                    consent.expires_at.astimezone(zone), "j F Y"
                )
                if consent.expires_at
                else "",
                "ended": formats.date_format(
                    consent.ended_at.astimezone(zone), "j F Y, H:i"
                )
                if consent.ended_at
                else "",
                "zone": consent.mentee.time_zone,
                "url": emails.absolute_url(
                    reverse("reviews:consent", args=[consent.mentorship.public_id])
                ),
            },
        )
        setattr(consent, stamp, timezone.now())
        consent.save(update_fields=[stamp, "updated_at"])
    return True


@shared_task(
    autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def tell_supervisor(*, consent_id: int) -> bool:
    """Tell the supervisor a summary is shared with them, once, and only if the
    consent is still active when the task runs (it may have been withdrawn since)."""
    with transaction.atomic():
        consent = (
            SupervisorConsent.objects.select_for_update(of=("self",))
            .select_related("mentee", "supervisor", "mentorship")
            .filter(pk=consent_id)
            .first()
        )
        if consent is None or consent.supervisor_told_at or not consent.is_active():
            return False
        if consent.mentorship.supervisor_id != consent.supervisor_id:
            return False
        emails.send(
            "consent_supervisor",
            to=consent.supervisor.email,
            subject=_("%(name)s shared a progress summary with you")
            % {"name": consent.mentee.full_name},
            context={
                "name": consent.supervisor.get_short_name(),
                "mentee_name": consent.mentee.full_name,
                "url": emails.absolute_url(
                    reverse("reviews:summary", args=[consent.mentorship.public_id])
                ),
            },
        )
        consent.supervisor_told_at = timezone.now()
        consent.save(update_fields=["supervisor_told_at", "updated_at"])
    return True
