"""The calendar feed: upcoming check-ins at a secret, regenerable address, no content."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mentorship import checkins
from mentorship.models import CheckIn
from tests import factories
from tests.mentorship.reminder_helpers import CANARY, checkin_in

TOKEN_URL = reverse("mentorship:calendar_token")
PREFERENCES = reverse("mentorship:preferences")
CONTENT = {"alignment": CANARY, "progress": CANARY, "next_steps": CANARY}


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _turn_on(client, user) -> str:
    """Turn the user's feed on through the page; return the feed's address."""
    client.force_login(user)
    assert client.post(TOKEN_URL, {"action": "create"}).url == PREFERENCES
    user.refresh_from_db()
    return reverse("mentorship:calendar_feed", args=[user.calendar_token])


def _events(client, url: str) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    feed = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in feed.walk("VEVENT")}


def test_turning_the_feed_on_shows_its_full_address(client, mentor):
    url = _turn_on(client, mentor)
    assert len(mentor.calendar_token) == 43
    page = client.get(PREFERENCES)
    assert f'value="http://testserver{url}"' in page.text
    assert "Make a new address" in page.text
    assert "Turn on my calendar feed" not in page.text


def test_turning_it_on_again_keeps_the_address(client, mentor):
    url = _turn_on(client, mentor)
    client.post(TOKEN_URL, {"action": "create"})
    mentor.refresh_from_db()
    assert url.endswith(f"/{mentor.calendar_token}.ics")


def test_the_feed_lists_the_users_upcoming_checkins_and_nothing_else(
    client, cohort, mentorship, mentor, mentee
):
    ahead = [
        checkin_in(mentorship, minutes=60 * 24, **CONTENT),
        checkin_in(mentorship, minutes=60 * 24 * 8, duration_minutes=45),
    ]
    checkin_in(mentorship, minutes=60 * 24 * 2, status="cancelled", **CONTENT)
    checkin_in(mentorship, minutes=-60)  # past
    checkin_in(factories.mentorship_in(cohort), minutes=60 * 24)  # another pair's
    ended = factories.mentorship_in(cohort)
    checkin_in(ended, minutes=60 * 24 * 3)
    ended.status = "ended"
    ended.save(update_fields=["status"])
    url = _turn_on(client, mentee)
    client.logout()  # calendar apps fetch without a session

    events = _events(client, url)

    assert set(events) == {f"{checkin.public_id}@testserver" for checkin in ahead}
    for checkin in ahead:
        event = events[f"{checkin.public_id}@testserver"]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        # iCalendar counts in whole seconds, in UTC ("Z").
        assert (start, end) == (
            _seconds(checkin.scheduled_at),
            _seconds(checkin.ends_at),
        )
        assert start.utcoffset() == timedelta(0)
        assert str(event["SUMMARY"]) == "Mentoring check-in"
        assert str(event["URL"]) == f"http://testserver{checkin.get_absolute_url()}"
        assert event.decoded("LAST-MODIFIED") == _seconds(checkin.updated_at)
    body = client.get(url).text
    for secret in (CANARY, "Maya Mentor", "Eli Mentee", cohort.name):
        assert secret not in body


def test_the_feed_is_served_as_a_private_uncached_calendar(client, mentor):
    url = _turn_on(client, mentor)
    response = client.get(url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store, private"


def test_a_moved_checkin_keeps_its_uid_and_shows_the_change(client, mentorship, mentor):
    checkin = checkin_in(mentorship, minutes=60 * 24)
    url = _turn_on(client, mentor)
    before = _events(client, url)[f"{checkin.public_id}@testserver"]

    with time_machine.travel(timedelta(minutes=5)):
        moved = checkins.reschedule(
            checkin=checkin,
            actor=mentor,
            scheduled_at=checkin.scheduled_at + timedelta(hours=2),
            reason="A clash",
        )

    after = _events(client, url)[f"{checkin.public_id}@testserver"]
    assert after.decoded("DTSTART") == _seconds(moved.scheduled_at)
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")


def test_a_new_address_stops_the_old_one(client, mentor):
    old = _turn_on(client, mentor)
    response = client.post(TOKEN_URL, {"action": "regenerate"})
    assert response.status_code == 302
    mentor.refresh_from_db()
    new = reverse("mentorship:calendar_feed", args=[mentor.calendar_token])

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_turning_the_feed_off_stops_it(client, mentor):
    url = _turn_on(client, mentor)
    client.post(TOKEN_URL, {"action": "off"})
    mentor.refresh_from_db()
    assert mentor.calendar_token is None
    assert client.get(url).status_code == 404
    assert "Turn on my calendar feed" in client.get(PREFERENCES).text


@pytest.mark.parametrize("token", ["x" * 43, "not-a-token", "%00"])
def test_an_unknown_address_is_not_found(client, mentor, token):
    _turn_on(client, mentor)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_accounts_feed_is_not_found(client, mentor):
    url = _turn_on(client, mentor)
    mentor.is_active = False
    mentor.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feed_only_answers_get(client, mentor):
    url = _turn_on(client, mentor)
    assert client.post(url).status_code == 405


def test_changing_the_feed_needs_a_login_and_a_post(client, mentor):
    response = client.post(TOKEN_URL, {"action": "create"})
    assert response.url.startswith(reverse("login"))
    client.force_login(mentor)
    assert client.get(TOKEN_URL).status_code == 405
    client.post(TOKEN_URL, {"action": "delete-everything"})
    mentor.refresh_from_db()
    assert mentor.calendar_token is None


def test_another_persons_token_cannot_be_set(client, mentor, mentee):
    """The token comes from the server only: a posted one is ignored."""
    _turn_on(client, mentee)
    client.force_login(mentor)
    client.post(TOKEN_URL, {"action": "create", "token": mentee.calendar_token})
    mentor.refresh_from_db()
    assert mentor.calendar_token not in (None, mentee.calendar_token)


@pytest.mark.parametrize("rows", [2, 50])
def test_the_feed_costs_two_queries_however_many_checkins(
    rows, client, mentorship, mentor, django_assert_num_queries
):
    start = timezone.now() + timedelta(days=1)
    CheckIn.objects.bulk_create(
        CheckIn(mentorship=mentorship, scheduled_at=start + timedelta(days=n))
        for n in range(rows)
    )
    url = _turn_on(client, mentor)
    client.logout()
    # the user by token; the check-ins
    with django_assert_num_queries(2):
        assert len(_events(client, url)) == rows
