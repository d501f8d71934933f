"""Granting and withdrawing consent: the mentee's alone, every step kept, receipted."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements.models import AgreementVersion
from reviews import services
from reviews.models import SupervisorConsent
from tests.reviews.helpers import grant, in_force


@pytest.fixture
def consent_url(mentorship):
    return reverse("reviews:consent", args=[mentorship.public_id])


def _post(client, url, **changes):
    text_page = client.get(url)
    digest = text_page.context["form"].initial["seen_digest"]
    data = {
        "scope": ["criteria", "summary"],
        "summary": "I run the design reviews now.",
        "expires_on": "",
        "seen_digest": digest,
        "agree": "on",
        **changes,
    }
    return client.post(url, data)


def test_the_mentee_grants_consent_with_the_text_shown_and_how(
    client,
    mentorship,
    mentee,
    supervisor,
    consent_url,
    django_capture_on_commit_callbacks,
):
    client.force_login(mentee)
    page = client.get(consent_url)
    shown = page.context["text"]
    assert shown in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, consent_url, HTTP_USER_AGENT="Firefox")

    assert response.status_code == 302
    consent = SupervisorConsent.objects.get()
    assert (consent.mentee, consent.supervisor) == (mentee, supervisor)
    assert consent.scope == ["criteria", "summary"]
    assert (
        consent.text == shown and consent.text_version == services.CONSENT_TEXT_VERSION
    )
    assert consent.granted_via == "consent page" and consent.ip_address == "127.0.0.1"
    assert consent.is_active() and consent.expires_at is None
    receipt, told = mail.outbox
    assert receipt.to == [mentee.email] and told.to == [supervisor.email]
    assert reverse("reviews:summary", args=[mentorship.public_id]) in told.body
    assert str(consent.public_id) in receipt.body
    for message in (receipt, told):  # no content in any email
        assert "I run the design reviews now." not in message.body
    assert consent.__class__.objects.get().receipt_sent_at is not None


def test_a_changed_statement_is_refused_and_what_was_typed_kept(
    client, mentorship, mentee, consent_url
):
    client.force_login(mentee)
    response = _post(client, consent_url, seen_digest="0" * 64, summary="Kept text")
    assert response.status_code == 200
    assert "The consent statement changed" in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert not SupervisorConsent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"scope": []}, "scope", "Tick at least one part"),
        ({"summary": "  "}, "summary", "Write the summary"),
        ({"expires_on": "2001-01-01"}, "expires_on", "cannot be in the past"),
        ({"agree": ""}, "agree", "Tick the box to agree"),
    ],
)
def test_bad_consent_input_is_explained_next_to_the_field(
    client, mentorship, mentee, consent_url, changes, field, message
):
    client.force_login(mentee)
    response = _post(client, consent_url, **changes)
    assert message in " ".join(response.context["form"].errors[field])
    assert not SupervisorConsent.objects.exists()


def test_only_the_mentee_may_consent(
    client, mentorship, mentor, supervisor, coordinator, outsider, consent_url
):
    for user, status in [
        (mentor, 403),
        (supervisor, 404),
        (coordinator, 404),
        (outsider, 404),
    ]:
        client.force_login(user)
        assert client.get(consent_url).status_code == status
    with pytest.raises(PermissionDenied):
        services.grant_consent(
            mentorship=mentorship,
            mentee=mentor,
            grant=services.Grant(["criteria"], "", None, "x"),
        )


def test_withdrawal_is_one_click_kept_and_receipted(
    client, mentorship, mentee, consent_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = grant(mentorship)
    client.force_login(mentee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:withdraw", args=[mentorship.public_id]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.end_reason == "withdrawn" and first.ended_by == mentee
    assert not first.is_active()
    assert [m.subject for m in mail.outbox] == [
        "Your consent was recorded",
        "Eli Mentee shared a progress summary with you",
        "Your consent was withdrawn",
    ]
    page = client.get(consent_url).content.decode()
    assert str(first.public_id) in page and "Withdrawn" in page


def test_a_new_grant_replaces_the_open_one_and_both_are_kept(mentorship):
    first = grant(mentorship, scope=["attendance"])
    second = grant(mentorship, scope=["scorecard"])
    first.refresh_from_db()
    assert first.end_reason == "replaced" and not first.is_active()
    assert second.is_active()
    assert mentorship.consents.count() == 2


def test_withdrawing_with_nothing_shared_says_so(client, mentorship, mentee):
    client.force_login(mentee)
    response = client.post(
        reverse("reviews:withdraw", args=[mentorship.public_id]), follow=True
    )
    assert "Nothing is shared with your supervisor" in response.content.decode()


def test_an_agreement_that_shares_nothing_refuses_consent(mentorship):
    version = in_force(mentorship)
    AgreementVersion.objects.filter(pk=version.pk).update(supervisor_sharing="nothing")
    with pytest.raises(ValidationError, match="nothing is shared"):
        grant(mentorship)


def test_no_new_consent_once_the_mentorship_has_closed_but_withdrawal_works(
    mentorship, mentor
):
    from mentorship import services as mentorship_services

    grant(mentorship)
    mentorship_services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    mentorship.refresh_from_db()
    with pytest.raises(ValidationError, match="has closed"):
        grant(mentorship)
    services.withdraw_consent(mentorship=mentorship, mentee=mentorship.mentee)
    assert not mentorship.consents.active().exists()


def test_no_consent_without_a_named_supervisor(client, mentorship, mentee, consent_url):
    type(mentorship).objects.filter(pk=mentorship.pk).update(supervisor=None)
    client.force_login(mentee)
    assert "No supervisor is named" in client.get(consent_url).content.decode()
    mentorship.refresh_from_db()
    with pytest.raises(ValidationError, match="No supervisor"):
        grant(mentorship)


def test_the_consent_page_is_get_and_post_only(client, mentee, mentorship, consent_url):
    client.force_login(mentee)
    assert client.put(consent_url).status_code == 405
    assert (
        client.get(reverse("reviews:withdraw", args=[mentorship.public_id])).status_code
        == 405
    )


def test_anonymous_visitors_are_sent_to_log_in(client, mentorship, consent_url):
    response = client.get(consent_url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
