"""Accepting an invitation: the link works once, until it expires, for its own address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorship import services
from mentorship.models import Membership, User
from tests import factories

NEW_PASSWORD = "a-long-and-unusual-passphrase"


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
    anonymous = client.post(url)  # not signed in: the same page, nothing happens
    assert anonymous.status_code == 200 and "Log in to join" in anonymous.text
    assert not Membership.objects.filter(user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending
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
