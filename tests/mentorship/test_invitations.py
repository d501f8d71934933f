"""Invitations: a coordinator invites; the link works once, until it expires."""

from __future__ import annotations

import re
from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mentorship import tasks
from mentorship.models import Invitation
from tests import factories
from tests.mentorship.test_invitation_acceptance import _assert_unusable

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def _invite(client, cohort, django_capture_on_commit_callbacks, **data):
    form = {
        "email": "New.Person@Example.org",
        "full_name": "New  Person",
        "role": "mentee",
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("mentorship:invite", args=[cohort.public_id]), {**form, **data}
        )


def _accept_path(message) -> str:
    return re.search(r"http://[^/]+(/join/[^/]+/)", message.body).group(1)


def test_invitation_is_emailed_with_a_link(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = _invite(
        client,
        cohort,
        django_capture_on_commit_callbacks,
        supervisor_email="Boss@Example.org",
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.full_name) == (
        "new.person@example.org",
        "New Person",
    )
    assert invitation.supervisor_email == "boss@example.org"
    assert invitation.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert cohort.program.name in message.subject
    assert _accept_path(message) == invitation.get_accept_url()
    assert message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"role": "boss"}, "role", "valid choice"),
        ({"full_name": ""}, "full_name", "required"),
        (
            {"role": "mentor", "supervisor_email": "b@example.org"},
            "supervisor_email",
            "Only a mentee",
        ),
        (
            {"supervisor_email": "new.person@example.org"},
            "supervisor_email",
            "themselves",
        ),
    ],
)
def test_invite_form_rejects_bad_input(
    client,
    coordinator,
    cohort,
    django_capture_on_commit_callbacks,
    data,
    field,
    message,
):
    client.force_login(coordinator)
    response = _invite(client, cohort, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_second_pending_invitation_for_the_same_role_is_refused(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    _invite(client, cohort, django_capture_on_commit_callbacks)
    response = _invite(client, cohort, django_capture_on_commit_callbacks)
    assert "pending invitation" in str(response.context["form"].errors)
    assert Invitation.objects.count() == 1


def test_a_member_in_that_role_cannot_be_invited_again(
    client, coordinator, cohort, mentee, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = _invite(
        client, cohort, django_capture_on_commit_callbacks, email=mentee.email
    )
    assert "already a mentee" in str(response.context["form"].errors)


def test_resend_renews_expiry_and_emails_again(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    invitation = factories.InvitationFactory(
        cohort=cohort, expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mentorship:invitation_resend", args=[invitation.public_id])
        )
    invitation.refresh_from_db()
    assert invitation.is_pending
    assert len(mail.outbox) == 1


def test_revoke_stops_the_link(client, coordinator, cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    client.force_login(coordinator)
    client.post(reverse("mentorship:invitation_revoke", args=[invitation.public_id]))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    client.logout()
    assert client.get(invitation.get_accept_url()).status_code == 410


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise SMTPException("451 try again later")


@override_settings(
    EMAIL_BACKEND="tests.mentorship.test_invitations.FailingEmailBackend"
)
def test_an_email_that_fails_leaves_the_invitation_to_send_again(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    response = _invite(client, cohort, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.sent_at is None
    assert "email not sent yet" in client.get(cohort.get_absolute_url()).text


def test_a_lapsed_invitation_is_renewed_not_duplicated(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    lapsed = factories.InvitationFactory(
        cohort=cohort,
        email="new.person@example.org",
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(coordinator)
    _invite(client, cohort, django_capture_on_commit_callbacks)
    [invitation] = Invitation.objects.all()
    assert invitation.pk == lapsed.pk
    assert invitation.is_pending and invitation.revoked_at is None
    assert invitation.full_name == "New Person"
    assert len(mail.outbox) == 1


def test_a_closed_cohort_takes_no_invitations_and_no_acceptances(
    client, coordinator, cohort, django_capture_on_commit_callbacks
):
    pending = factories.InvitationFactory(cohort=cohort)
    cohort.status = "closed"
    cohort.save(update_fields=["status"])
    client.force_login(coordinator)
    response = _invite(client, cohort, django_capture_on_commit_callbacks)
    assert "This cohort is closed" in response.text
    assert Invitation.objects.count() == 1
    client.logout()
    _assert_unusable(client, pending.get_accept_url(), 410, "This cohort has closed")


def test_an_invitation_whose_task_was_lost_is_queued_again_and_sent_once(
    cohort, django_capture_on_commit_callbacks
):
    now = timezone.now()

    def invitation(changed_ago: timedelta, **fields) -> Invitation:
        made = factories.InvitationFactory(cohort=cohort, **fields)
        Invitation.objects.filter(pk=made.pk).update(updated_at=now - changed_ago)
        return made

    lost = invitation(timedelta(minutes=5))
    on_its_way = invitation(timedelta(seconds=30))
    long_ago = invitation(timedelta(hours=2))
    sent = invitation(timedelta(minutes=5), sent_at=now - timedelta(minutes=5))
    revoked = invitation(timedelta(minutes=5), revoked_at=now)
    expired = invitation(timedelta(minutes=5), expires_at=now - timedelta(minutes=1))
    mail.outbox.clear()

    for _ in range(2):  # a second sweep finds it sent
        with django_capture_on_commit_callbacks(execute=True):
            tasks.requeue_unsent_invitations()

    assert [message.to for message in mail.outbox] == [[lost.email]]
    lost.refresh_from_db()
    assert lost.sent_at is not None
    for left in (on_its_way, long_ago, sent, revoked, expired):
        left.refresh_from_db()
        assert left.sent_at == (sent.sent_at if left == sent else None)
