"""Meeting times: a wall time the clocks skip, and moves the calendar feed shows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from mentorship import checkins
from mentorship.models import Mentorship
from mentorship.models.programs import new_calendar_token
from tests.mentorship.checkin_helpers import sign_terms

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# London springs forward on Sunday 28 March 2027: 01:00 GMT becomes 02:00 BST.
SPRING_FORWARD = date(2027, 3, 28)
IN_THE_GAP = time(1, 30)


@pytest.fixture
def london_pair(cohort, mentee, mentorship):
    cohort.starts_on, cohort.ends_on = date(2027, 3, 1), date(2027, 4, 30)
    cohort.save()
    mentee.time_zone = "Europe/London"
    mentee.save()
    mentorship.refresh_from_db()
    return mentorship


def _local_times(mentorship) -> list[datetime]:
    return [
        c.scheduled_at.astimezone(LONDON)
        for c in mentorship.checkins.order_by("scheduled_at")
    ]


def test_a_wall_time_the_clocks_skip_becomes_the_moment_they_jump():
    jumped = checkins.local_instant(SPRING_FORWARD, IN_THE_GAP, LONDON)
    assert jumped == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert jumped.astimezone(LONDON).time() == time(2, 0)
    day_before = checkins.local_instant(date(2027, 3, 27), IN_THE_GAP, LONDON)
    assert day_before == datetime(2027, 3, 27, 1, 30, tzinfo=UTC)


@time_machine.travel(datetime(2027, 3, 21, 12, tzinfo=UTC), tick=False)
def test_the_series_plans_a_checkin_in_the_gap_when_the_clocks_jump(london_pair):
    Mentorship.objects.filter(pk=london_pair.pk).update(meeting_time=IN_THE_GAP)
    london_pair.refresh_from_db()
    sign_terms(london_pair, cadence="weekly")
    first, *rest = _local_times(london_pair)
    assert (first.date(), first.time()) == (SPRING_FORWARD, time(2, 0))
    assert rest and {t.time() for t in rest} == {IN_THE_GAP}


@time_machine.travel(datetime(2027, 3, 21, 12, tzinfo=UTC), tick=False)
def test_a_meeting_time_moved_into_the_gap_is_planned_the_same_way(london_pair):
    sign_terms(london_pair, cadence="weekly")
    checkins.set_meeting_time(
        mentorship=london_pair, actor=london_pair.mentee, at=IN_THE_GAP
    )
    first, *rest = _local_times(london_pair)
    assert (first.date(), first.time()) == (SPRING_FORWARD, time(2, 0))
    assert {t.time() for t in rest} == {IN_THE_GAP}


def test_a_new_meeting_time_shows_as_a_change_in_the_calendar_feed(
    client, mentorship, mentor
):
    sign_terms(mentorship, cadence="weekly")
    mentor.calendar_token = new_calendar_token()
    mentor.save(update_fields=["calendar_token"])
    url = reverse("mentorship:calendar_feed", args=[mentor.calendar_token])

    def events():
        feed = Calendar.from_ical(client.get(url).content)
        return {str(event["UID"]): event for event in feed.walk("VEVENT")}

    before = events()
    with time_machine.travel(timedelta(minutes=5)):
        moved = checkins.set_meeting_time(
            mentorship=mentorship, actor=mentor, at=time(16, 30)
        )
    after = events()
    assert moved and set(after) == set(before)
    for uid, event in after.items():
        assert event.decoded("DTSTART") != before[uid].decoded("DTSTART")
        for stamp in ("LAST-MODIFIED", "DTSTAMP"):
            assert event.decoded(stamp) > before[uid].decoded(stamp)
