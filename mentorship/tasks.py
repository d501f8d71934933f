"""Celery tasks: thin adapters that load by pk, skip work already done, and delegate."""

from __future__ import annotations

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship import checkins, maintenance, reminders, retention
from mentorship.lib import emails
from mentorship.models import Invitation

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation_email(*, invitation_id: int) -> bool:
    """Email the invitation link once; return whether an email went out.

    The email is sent inside the transaction that stamps sent_at, holding the row
    lock: a second run waits, then sees the stamp. A worker killed between the SMTP
    reply and the commit sends the link again when the task is redelivered. That
    window is chosen over the opposite one (stamp first, then lose the email on a
    crash): a second copy of an invitation harms nobody, a missing one strands a
    person outside the program.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("cohort__program", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or not invitation.is_pending:
            return False
        emails.send(
            "invitation",
            to=invitation.email,
            subject=_("You are invited to %(program)s")
            % {"program": invitation.cohort.program.name},
            context={
                "invitation": invitation,
                "accept_url": emails.absolute_url(invitation.get_accept_url()),
            },
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at", "updated_at"])
    log.info("Invitation %s emailed", invitation.public_id)
    return True


@shared_task
def purge_stale_invitations() -> int:
    return maintenance.purge_stale_invitations()


@shared_task
def requeue_unsent_invitations(
    *, settle_seconds: int = 2 * 60, within_seconds: int = 60 * 60
) -> int:
    """Queue again the email of each pending invitation that has not gone out: its
    task was lost (the broker was away when it was queued, or lost it in a crash).
    Return how many were queued.

    One changed less than settle_seconds ago may still be on its way to a worker;
    past within_seconds a coordinator's "send again" takes over, so an address that
    keeps failing is not retried for days. send_invitation_email sends at most once
    (it stamps sent_at under the row's lock): one queued twice is sent once.
    """
    now = timezone.now()
    unsent = list(
        Invitation.objects.pending()
        .filter(
            sent_at=None,
            updated_at__lte=now - timedelta(seconds=settle_seconds),
            updated_at__gt=now - timedelta(seconds=within_seconds),
        )
        .values_list("pk", flat=True)
    )

    def queue() -> None:
        for invitation_id in unsent:
            send_invitation_email.delay(invitation_id=invitation_id)

    transaction.on_commit(queue)
    if unsent:
        log.info("Queued %d unsent invitation emails again", len(unsent))
    return len(unsent)


@shared_task
def clear_expired_sessions() -> int:
    return maintenance.clear_expired_sessions()


# Each batch of the purge commits on its own: a run stopped by its time limit (a large
# backlog) or killed has lost nothing, and the next run goes on where it stopped. The
# limits stay under the hourly schedule.
@shared_task(bind=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def purge_expired_notes(self: Task, *, batch_size: int | None = None) -> int:
    """Delete the notes past their expiry; return how many were deleted."""
    report = retention.purge_expired_notes(
        batch_size=batch_size, task_id=self.request.id or ""
    )
    return report.notes


@shared_task(
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_note_expiry_warnings() -> int:
    """Warn authors of notes about to expire; each warning is claimed once."""
    return retention.send_note_expiry_warnings()


# Each reminder commits on its own: a run stopped by its time limit, or a worker
# killed, loses nothing, and the next run sends what is left. The limits keep a run
# within the five minutes between runs.
@shared_task(soft_time_limit=4 * 60, time_limit=4 * 60 + 30)
def send_reminders() -> dict[str, int]:
    """Count missed check-ins afresh, then send every reminder that is due."""
    return reminders.send_all()


@shared_task
def open_revisit_prompts() -> int:
    """Open the cohort-midpoint and before-the-end prompts to revisit agreements."""
    return checkins.prompt_calendar_revisits()
