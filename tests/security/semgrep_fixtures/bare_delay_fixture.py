"""Fixture the no-bare-task-delay rule must flag (2 findings). Never imported."""

from functools import partial

from django.db import transaction

from mentorship import tasks


@transaction.atomic
def invite(invitation):
    tasks.send_invitation_email.delay(invitation_id=invitation.pk)
    tasks.send_invitation_email.apply_async(kwargs={"invitation_id": invitation.pk})


@transaction.atomic
def invite_safely(invitation):
    transaction.on_commit(
        partial(tasks.send_invitation_email.delay, invitation_id=invitation.pk)
    )

    def send() -> None:
        tasks.send_invitation_email.delay(invitation_id=invitation.pk)

    transaction.on_commit(send, robust=True)
