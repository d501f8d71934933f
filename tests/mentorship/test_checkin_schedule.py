"""Check-ins are planned from the agreed cadence, in the mentee's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mentorship import checkins, services
from mentorship.models import CheckIn
from tests.mentorship.checkin_helpers import sign_terms

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


@pytest.fixture
def march_cohort(cohort):
    cohort.starts_on, cohort.ends_on = date(2027, 3, 1), date(2027, 4, 30)
    cohort.save()
    return cohort


@pytest.fixture
def london_mentee(mentee):
    mentee.time_zone = "Europe/London"
    mentee.save()
    return mentee


def _local(checkin: CheckIn) -> datetime:
    return checkin.scheduled_at.astimezone(LONDON)


@time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False)
def test_weekly_series_keeps_local_time_across_daylight_saving(
    march_cohort, london_mentee, mentorship
):
    sign_terms(mentorship, cadence="weekly")
    series = list(mentorship.checkins.order_by("scheduled_at"))
    # From 9 March to 27 April: 8 weekly meetings; London moves to BST on 28 March.
    assert [_local(c).date() for c in series] == [
        date(2027, 3, 2) + timedelta(weeks=n) for n in range(1, 9)
    ]
    assert {_local(c).time() for c in series} == {time(10, 0)}
    utc_hours = [c.scheduled_at.astimezone(UTC).hour for c in series]
    assert utc_hours[:3] == [10, 10, 10]  # GMT
    assert utc_hours[-3:] == [9, 9, 9]  # BST
    assert all(c.origin == CheckIn.Origin.SERIES for c in series)


@time_machine.travel(datetime(2027, 1, 31, 12, tzinfo=UTC), tick=False)
def test_monthly_series_clips_to_the_end_of_short_months(cohort, mentee, mentorship):
    cohort.starts_on, cohort.ends_on = date(2027, 1, 1), date(2027, 5, 31)
    cohort.save()
    sign_terms(mentorship, cadence="monthly")
    days = [c.scheduled_at.date() for c in mentorship.checkins.all()]
    assert days == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


@time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False)
def test_custom_cadence_counts_days(march_cohort, mentee, mentorship):
    sign_terms(mentorship, cadence="custom", days=10)
    days = [c.scheduled_at.date() for c in mentorship.checkins.all()]
    assert days == [
        date(2027, 3, 12),
        date(2027, 3, 22),
        date(2027, 4, 1),
        date(2027, 4, 11),
        date(2027, 4, 21),
    ]


def test_no_series_before_the_terms_are_signed(mentorship):
    assert checkins.series_times(mentorship=mentorship, after=timezone.now()) == []
    assert not mentorship.checkins.exists()


def test_series_ends_with_the_cohort(mentorship):
    sign_terms(mentorship, cadence="weekly")
    last = mentorship.checkins.order_by("scheduled_at").last()
    assert last.scheduled_at.date() <= mentorship.cohort.ends_on
    assert mentorship.checkins.count() == (
        (mentorship.cohort.ends_on - timezone.localdate()).days // 7
    )


@time_machine.travel(datetime(2027, 3, 22, 12, tzinfo=UTC), tick=False)
def test_amended_cadence_replans_ahead_and_keeps_the_past_and_personal_changes(
    march_cohort, mentorship
):
    sign_terms(mentorship, cadence="weekly", at=datetime(2027, 3, 1, 12, tzinfo=UTC))
    now = timezone.now()
    past = set(
        mentorship.checkins.filter(scheduled_at__lt=now).values_list(
            "pk", "scheduled_at"
        )
    )
    assert len(past) == 3
    ahead = list(mentorship.checkins.filter(scheduled_at__gt=now))
    moved = checkins.reschedule(
        checkin=ahead[0],
        actor=mentorship.mentor,
        scheduled_at=ahead[0].scheduled_at + timedelta(hours=3),
        reason="Clash",
    )
    extra = checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentee,
        scheduled_at=now + timedelta(days=2, hours=5),
        duration=30,
    )

    sign_terms(mentorship, cadence="biweekly", at=now)

    assert (
        set(
            mentorship.checkins.filter(scheduled_at__lt=now).values_list(
                "pk", "scheduled_at"
            )
        )
        == past
    )
    kept = set(
        mentorship.checkins.filter(scheduled_at__gt=now).values_list("pk", flat=True)
    )
    assert {moved.pk, extra.pk} <= kept
    series = mentorship.checkins.filter(
        scheduled_at__gt=now, origin="series", rescheduled_from=None
    ).order_by("scheduled_at")
    gaps = {
        (b.scheduled_at - a.scheduled_at).days
        for a, b in zip(series, series[1:], strict=False)
    }
    assert gaps <= {13, 14, 15}  # fortnightly, give or take a daylight-saving hour


def test_unchanged_cadence_leaves_the_plan_alone(mentorship):
    sign_terms(mentorship, cadence="weekly")
    before = list(mentorship.checkins.values_list("pk", flat=True))
    sign_terms(mentorship, cadence="weekly", retention_days=100)
    assert list(mentorship.checkins.values_list("pk", flat=True)) == before


def test_meeting_time_moves_planned_series_but_not_personal_changes(mentorship):
    sign_terms(mentorship, cadence="weekly")
    zone = mentorship.mentee.zone
    in_three_days = timezone.localdate() + timedelta(days=3)
    extra = checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentor,
        scheduled_at=checkins.local_instant(in_three_days, time(9, 15), zone),
        duration=60,
    )
    moved = checkins.set_meeting_time(
        mentorship=mentorship, actor=mentorship.mentee, at=time(16, 30)
    )
    series = mentorship.checkins.filter(origin="series")
    assert moved == series.count()
    assert {c.scheduled_at.astimezone(zone).time() for c in series} == {time(16, 30)}
    extra.refresh_from_db()
    assert extra.scheduled_at.astimezone(zone).time() == time(9, 15)


def test_closing_cancels_what_is_ahead(mentorship):
    sign_terms(mentorship, cadence="weekly")
    services.end_mentorship(
        mentorship=mentorship, ended_by=mentorship.mentee, reason="Done"
    )
    assert not mentorship.checkins.filter(status="scheduled").exists()
    assert set(mentorship.checkins.values_list("change_reason", flat=True)) == {"Done"}
    mentorship.refresh_from_db()
    assert mentorship.status == "ended" and mentorship.ended_at is not None
    assert checkins.replan_series(mentorship=mentorship, after=timezone.now()) == []
