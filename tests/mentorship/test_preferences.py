"""Preferences: a person's time zone and reminder lead; pages in their own zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from mentorship.middleware import UserTimeZoneMiddleware
from tests.mentorship.reminder_helpers import checkin_at

URL = reverse("mentorship:preferences")


def test_the_page_shows_the_current_preferences(client, mentee):
    client.force_login(mentee)
    page = client.get(URL)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form["time_zone"].value(), form["checkin_reminder_minutes"].value()) == (
        "UTC",
        1440,
    )
    assert '<option value="Europe/Paris">' in page.text
    assert "Turn on my calendar feed" in page.text


def test_preferences_are_saved(client, mentee):
    client.force_login(mentee)
    response = client.post(
        URL, {"time_zone": "America/Sao_Paulo", "checkin_reminder_minutes": "180"}
    )
    assert response.status_code == 302
    assert response.url == URL
    mentee.refresh_from_db()
    assert (mentee.time_zone, mentee.checkin_reminder_minutes) == (
        "America/Sao_Paulo",
        180,
    )
    assert "Your preferences are saved." in client.get(URL).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Select a valid choice"),
        ({"time_zone": ""}, "time_zone", "This field is required"),
        ({"checkin_reminder_minutes": "30"}, "checkin_reminder_minutes", "valid"),
        ({"checkin_reminder_minutes": "<b>"}, "checkin_reminder_minutes", "valid"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_is_saved(
    client, mentee, data, field, message
):
    client.force_login(mentee)
    page = client.post(
        URL, {"time_zone": "Asia/Tokyo", "checkin_reminder_minutes": "60", **data}
    )
    assert page.status_code == 200
    assert message in page.context["form"].errors[field][0]
    mentee.refresh_from_db()
    assert (mentee.time_zone, mentee.checkin_reminder_minutes) == ("UTC", 1440)


def test_turning_reminders_off_is_a_choice(client, mentee):
    client.force_login(mentee)
    client.post(URL, {"time_zone": "UTC", "checkin_reminder_minutes": "0"})
    mentee.refresh_from_db()
    assert mentee.checkin_reminder_minutes == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_people_are_sent_to_log_in(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(client, mentee, method):
    client.force_login(mentee)
    assert getattr(client, method)(URL).status_code == 405


def test_the_page_costs_the_same_few_queries(client, mentee, django_assert_num_queries):
    client.force_login(mentee)
    # session, user; the zone list and the form need none
    with django_assert_num_queries(2):
        assert client.get(URL).status_code == 200


def test_pages_show_times_in_the_viewers_own_zone(client, mentorship, mentor, mentee):
    mentor.time_zone, mentee.time_zone = "America/New_York", "Asia/Tokyo"
    mentor.save(update_fields=["time_zone"])
    mentee.save(update_fields=["time_zone"])
    with time_machine.travel(datetime(2027, 1, 10, 12, 0, tzinfo=UTC), tick=False):
        checkin = checkin_at(mentorship, datetime(2027, 1, 11, 1, 0, tzinfo=UTC))
    url = checkin.get_absolute_url()

    client.force_login(mentee)
    assert "Check-in on Monday 11 January 2027, 10:00" in client.get(url).text
    client.force_login(mentor)
    assert "Check-in on Sunday 10 January 2027, 20:00" in client.get(url).text
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks out


def _zone_seen_by(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    middleware = UserTimeZoneMiddleware(
        lambda request: HttpResponse(timezone.get_current_timezone_name())
    )
    return middleware(request).content.decode()


def test_the_middleware_activates_the_users_zone_for_the_request(mentee):
    mentee.time_zone = "Pacific/Auckland"
    assert _zone_seen_by(mentee) == "Pacific/Auckland"
    assert timezone.get_current_timezone_name() == "UTC"


def test_anonymous_requests_use_the_sites_zone():
    timezone.activate("Asia/Tokyo")  # as a previous request on this thread might
    assert _zone_seen_by(AnonymousUser()) == "UTC"
    assert timezone.get_current_timezone_name() == "UTC"
