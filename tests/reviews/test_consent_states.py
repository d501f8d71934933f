"""The consent states walked against every page and download a supervisor can reach.

None, active, scoped, expired, withdrawn and re-granted: each decides the very next
request, and the supervisor sees exactly the parts in scope, never more.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import SummaryView
from tests.reviews.helpers import CANARY, grant, lived_in

SUMMARY_TEXT = "Eli leads the design reviews now."
# What each part of the summary puts on the page (its section heading).
MARKERS = {
    "criteria": "Success criteria",
    "scorecard": "Scorecard trend",
    "attendance": "Check-in attendance",
    "summary": SUMMARY_TEXT,
}
ALL = list(MARKERS)


def _pages(mentorship):
    return {
        "summary": reverse("reviews:summary", args=[mentorship.public_id]),
        "export": reverse("reviews:summary_export", args=[mentorship.public_id]),
    }


def _walk(client, mentorship, expected_scope):
    """Request every supervisor page; return the outcome seen for each."""
    outcome = {}
    listing = client.get(reverse("reviews:supervision")).content.decode()
    outcome["listed"] = str(mentorship.public_id) in listing
    for name, url in _pages(mentorship).items():
        response = client.get(url)
        assert CANARY not in response.content.decode()
        outcome[name] = response.status_code
        if response.status_code == 200 and name == "summary":
            body = response.content.decode()
            outcome["parts"] = sorted(
                p for p, marker in MARKERS.items() if marker in body
            )
        if response.status_code == 200 and name == "export":
            body = response.content.decode()
            outcome["export_parts"] = sorted(
                {row.split(",")[0] for row in body.splitlines()[1:]}
            )
    return outcome


def _shown(scope):
    return {
        "listed": True,
        "summary": 200,
        "export": 200,
        "parts": sorted(scope),
        "export_parts": sorted(scope),
    }


HIDDEN = {"listed": False, "summary": 404, "export": 404}


def _states(mentorship):
    """Yield (state, setup, expected) in the order a mentee might go through them."""
    yield "none", lambda: None, HIDDEN
    yield (
        "active",
        lambda: grant(mentorship, scope=ALL, summary=SUMMARY_TEXT),
        _shown(ALL),
    )
    yield (
        "scoped",
        lambda: grant(
            mentorship, scope=["attendance", "summary"], summary=SUMMARY_TEXT
        ),
        _shown(["attendance", "summary"]),
    )
    yield (
        "withdrawn",
        lambda: services.withdraw_consent(
            mentorship=mentorship, mentee=mentorship.mentee
        ),
        HIDDEN,
    )
    yield (
        "re-granted",
        lambda: grant(mentorship, scope=["criteria"], summary=""),
        _shown(["criteria"]),
    )


def test_every_consent_state_decides_every_supervisor_page(
    client, mentorship, supervisor
):
    lived_in(mentorship)
    client.force_login(supervisor)
    walked = 0
    for state, setup, expected in _states(mentorship):
        setup()
        assert _walk(client, mentorship, expected) == expected, state
        walked += 1
    assert walked == 5


def test_an_expired_consent_refuses_the_next_request(client, mentorship, supervisor):
    lived_in(mentorship)
    consent = grant(mentorship, scope=ALL, summary=SUMMARY_TEXT, days=2)
    client.force_login(supervisor)
    with time_machine.travel(consent.expires_at - timedelta(seconds=1)):
        client.force_login(supervisor)
        assert _walk(client, mentorship, ALL) == _shown(ALL)
    with time_machine.travel(consent.expires_at):
        client.force_login(supervisor)
        assert _walk(client, mentorship, []) == HIDDEN


def test_a_refusal_is_the_same_as_for_a_mentorship_that_does_not_exist(
    client, mentorship, supervisor
):
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    client.force_login(supervisor)
    missing = client.get(reverse("reviews:summary", args=[uuid.uuid4()]))
    refused = client.get(reverse("reviews:summary", args=[mentorship.public_id]))
    assert missing.status_code == refused.status_code == 404
    assert token.sub(b"", missing.content) == token.sub(b"", refused.content)


def test_nobody_else_reaches_the_summary_even_with_consent(
    client, mentorship, mentor, mentee, coordinator, outsider
):
    grant(mentorship, scope=ALL, summary=SUMMARY_TEXT)
    for user in (mentor, mentee, coordinator, outsider):
        client.force_login(user)
        for url in _pages(mentorship).values():
            assert client.get(url).status_code == 404, user


def test_a_supervisor_no_longer_named_sees_nothing(
    client, mentorship, supervisor, outsider
):
    grant(mentorship, scope=ALL, summary=SUMMARY_TEXT)
    type(mentorship).objects.filter(pk=mentorship.pk).update(supervisor=outsider)
    client.force_login(supervisor)
    assert _walk(client, mentorship, []) == HIDDEN


def test_each_supervisor_view_is_logged_and_shown_to_the_mentee(
    client, mentorship, supervisor, mentee
):
    grant(mentorship, scope=ALL, summary=SUMMARY_TEXT)
    client.force_login(supervisor)
    client.get(_pages(mentorship)["summary"])
    client.get(_pages(mentorship)["export"])
    assert list(SummaryView.objects.values_list("kind", flat=True)) == [
        "export",
        "page",
    ]

    client.force_login(mentee)
    client.get(reverse("reviews:preview", args=[mentorship.public_id]))
    assert SummaryView.objects.count() == 2  # the mentee's preview is not logged
    page = client.get(reverse("reviews:consent", args=[mentorship.public_id]))
    body = page.content.decode()
    assert "Read the summary" in body and "Downloaded the summary" in body


def test_the_preview_is_the_supervisors_page(client, mentorship, supervisor, mentee):
    grant(mentorship, scope=ALL, summary=SUMMARY_TEXT)
    client.force_login(supervisor)
    seen = client.get(_pages(mentorship)["summary"])
    client.force_login(mentee)
    previewed = client.get(reverse("reviews:preview", args=[mentorship.public_id]))
    assert (
        seen.templates[0].name == previewed.templates[0].name == "reviews/summary.html"
    )
    assert seen.context["summary"] == previewed.context["summary"]


def test_the_preview_without_consent_says_nothing_is_shared(client, mentorship, mentee):
    client.force_login(mentee)
    response = client.get(
        reverse("reviews:preview", args=[mentorship.public_id]), follow=True
    )
    assert "Nothing is shared with your supervisor" in response.content.decode()


def test_the_decision_is_never_cached(client, mentorship, supervisor):
    consent = grant(mentorship, scope=["attendance"], summary="")
    client.force_login(supervisor)
    url = _pages(mentorship)["summary"]
    assert client.get(url).status_code == 200
    type(consent).objects.filter(pk=consent.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(url).status_code == 404
