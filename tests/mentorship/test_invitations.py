"""Invitations: a coordinator invites; the link works once, until it expires."""

from __future__ import annotations

import re
from datetime import timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mentorship import services
from mentorship.models import Invitation, Membership, User
from tests import factories

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


def test_new_person_accepts_and_gets_an_account(client, cohort):
    invitation = factories.InvitationFactory(
        cohort=cohort, email="ada@example.org", supervisor_email="boss@example.org"
    )
    url = invitation.get_accept_url()
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"full_name": "Ada L", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.org")
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.cohort, membership.role) == (cohort, "mentee")
    assert membership.supervisor_email == "boss@example.org"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert client.get(reverse("home")).status_code == 200  # signed in


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short-pass", "short-pass", "at least 12 characters"),
        ("123456789012345", "123456789012345", "entirely numeric"),
        ("password12345", "password12345", "too common"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "differ"),
    ],
)
def test_weak_or_mismatched_passwords_create_nothing(
    client, cohort, password1, password2, message
):
    invitation = factories.InvitationFactory(cohort=cohort)
    response = client.post(
        invitation.get_accept_url(),
        {"full_name": "Typed Name", "password1": password1, "password2": password2},
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Typed Name"' in response.text
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def _assert_unusable(client, url, status, heading):
    before = (User.objects.count(), Membership.objects.count())
    for response in (
        client.get(url),
        client.post(
            url,
            {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        ),
    ):
        assert response.status_code == status
        assert heading in response.text
    assert (User.objects.count(), Membership.objects.count()) == before


def test_expired_link_shows_a_clear_page(client, cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        _assert_unusable(client, invitation.get_accept_url(), 410, "has expired")


def test_used_link_cannot_be_used_again(client, cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    services.accept_invitation(
        invitation=invitation, full_name="A", password=NEW_PASSWORD
    )
    client.logout()
    _assert_unusable(client, invitation.get_accept_url(), 410, "already used")


def test_revoked_link_shows_a_clear_page(client, cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    services.revoke_invitation(invitation=invitation)
    _assert_unusable(client, invitation.get_accept_url(), 410, "withdrawn")


@pytest.mark.parametrize("tamper", ["flip_last", "other_id", "garbage"])
def test_tampered_link_shows_a_clear_page(client, cohort, tamper):
    invitation = factories.InvitationFactory(cohort=cohort)
    token = invitation.make_token()
    forged = {
        "flip_last": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "other_id": token.replace(token.split(":")[0], "ImFhYWEi"),
        "garbage": "not-a-token",
    }[tamper]
    _assert_unusable(
        client, reverse("mentorship:invitation_accept", args=[forged]), 400, "not valid"
    )


def test_existing_account_joins_after_signing_in(client, cohort, outsider):
    invitation = factories.InvitationFactory(
        cohort=cohort, email=outsider.email, role="mentor"
    )
    url = invitation.get_accept_url()
    assert "Log in to join" in client.get(url).text
    client.post(url)  # not signed in: nothing happens
    assert not Membership.objects.filter(user=outsider).exists()
    client.force_login(outsider)
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=outsider).role == "mentor"


def test_someone_else_signed_in_cannot_use_the_link(client, cohort, outsider, mentor):
    invitation = factories.InvitationFactory(cohort=cohort, email=outsider.email)
    client.force_login(mentor)
    response = client.post(invitation.get_accept_url())
    assert "another account" in response.text
    assert not Membership.objects.filter(user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


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


def test_an_account_created_meanwhile_gets_a_clear_message(client, cohort):
    invitation = factories.InvitationFactory(cohort=cohort, email="race@example.org")
    url = invitation.get_accept_url()
    assert client.get(url).status_code == 200  # the form for a new account
    factories.UserFactory(email="race@example.org")  # another invitation won the race
    with pytest.raises(ValidationError, match="was just created"):
        services.accept_invitation(
            invitation=invitation, full_name="Racer", password=NEW_PASSWORD
        )
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
