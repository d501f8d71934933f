"""Disclosures: a party records an invoked exception; the other is told, without content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agreements import notifications
from agreements.models import Disclosure
from tests import factories

ACTORS = [
    "mentor",
    "mentee",
    "coordinator",
    "supervisor",
    "other_coordinator",
    "outsider",
]
SECRET = "Told the safeguarding lead about the threat."


@pytest.fixture
def in_force(mentorship):
    return factories.effective_agreement(mentorship)


def _record(client, mentorship, django_capture_on_commit_callbacks, **changes):
    data = {
        "exception": "1",
        "disclosed_to": "Safeguarding lead",
        "disclosed_on": str(timezone.localdate()),
        "description": SECRET,
        "other_party_informed_on": "",
        **changes,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("agreements:disclose", args=[mentorship.public_id]), data
        )


@pytest.mark.parametrize(
    ("actor", "status"), list(zip(ACTORS, [200, 200, 403, 404, 404, 404], strict=True))
)
def test_only_the_pair_records_disclosures(
    client, request, mentorship, in_force, actor, status
):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("agreements:disclose", args=[mentorship.public_id])
    assert client.get(url).status_code == status


def test_mentor_records_and_the_mentee_is_told_without_content(
    client, mentor, mentee, mentorship, in_force, django_capture_on_commit_callbacks
):
    client.force_login(mentor)
    response = _record(client, mentorship, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert (disclosure.exception.kind, disclosure.recorded_by) == ("safety", mentor)
    assert disclosure.notified_at is not None
    [message] = mail.outbox
    assert message.to == [mentee.email]
    assert SECRET not in message.body and "Safeguarding" not in message.body
    assert SECRET not in message.alternatives[0][0]
    assert (
        notifications.notify_disclosure(disclosure_id=disclosure.pk) is False
    )  # once only
    assert len(mail.outbox) == 1


def test_the_coordinator_sees_metadata_not_content(
    client,
    mentor,
    coordinator,
    mentorship,
    in_force,
    django_capture_on_commit_callbacks,
):
    client.force_login(mentor)
    _record(client, mentorship, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert "Safety risk" in page.text and "Maya Mentor" in page.text
    assert SECRET not in page.text and "Safeguarding lead" not in page.text
    client.force_login(mentor)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert SECRET in page.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"disclosed_on": str(timezone.localdate() + timedelta(days=1))},
            "disclosed_on",
            "in the future",
        ),
        (
            {"other_party_informed_on": str(timezone.localdate() + timedelta(days=2))},
            "other_party_informed_on",
            "in the future",
        ),
        ({"exception": "9"}, "exception", "valid choice"),
        (
            {"disclosed_on": "1900-01-01"},
            "disclosed_on",
            "before the mentorship started",
        ),
        ({"description": ""}, "description", "required"),
        ({"description": "x" * 1001}, "description", "at most 1000"),
    ],
)
def test_bad_input_is_refused_at_the_field(
    client,
    mentor,
    mentorship,
    in_force,
    django_capture_on_commit_callbacks,
    changes,
    field,
    message,
):
    client.force_login(mentor)
    response = _record(
        client, mentorship, django_capture_on_commit_callbacks, **changes
    )
    assert message in " ".join(response.context["form"].errors[field])
    assert "Safeguarding lead" in response.text  # kept as typed
    assert not Disclosure.objects.exists()
    assert not mail.outbox


def test_no_disclosure_without_an_agreement_in_force(client, mentor, mentorship):
    client.force_login(mentor)
    response = client.get(
        reverse("agreements:disclose", args=[mentorship.public_id]), follow=True
    )
    assert (
        "Disclosures follow the exceptions of an agreement in force." in response.text
    )
