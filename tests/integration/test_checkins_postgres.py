"""Check-in invariants held by PostgreSQL, and races between the two parties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorship import checkins
from mentorship.models import CheckIn, ScorecardRating
from tests.integration.races import race
from tests.mentorship.checkin_helpers import past_checkin, sign_terms

pytestmark = pytest.mark.postgres


def _refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_postgres_refuses_checkins_that_break_the_rules(mentorship):
    sign_terms(mentorship)
    first = mentorship.checkins.first()
    assert _refused(
        lambda: CheckIn.objects.create(
            mentorship=mentorship, scheduled_at=first.scheduled_at
        )
    )
    assert _refused(
        lambda: CheckIn.objects.filter(pk=first.pk).update(
            status="held", format="video"
        )
    )
    assert _refused(
        lambda: CheckIn.objects.filter(pk=first.pk).update(
            status="held", recorded_at=timezone.now()
        )
    )
    assert _refused(
        lambda: CheckIn.objects.filter(pk=first.pk).update(duration_minutes=0)
    )
    assert _refused(
        lambda: ScorecardRating.objects.create(checkin=first, dimension="x", rating=6)
    )
    ScorecardRating.objects.create(checkin=first, dimension="x", rating=5)
    assert _refused(
        lambda: ScorecardRating.objects.create(checkin=first, dimension="x", rating=4)
    )
    # A cancelled check-in frees its time.
    CheckIn.objects.filter(pk=first.pk).update(status="cancelled")
    CheckIn.objects.create(mentorship=mentorship, scheduled_at=first.scheduled_at)


@pytest.mark.django_db(transaction=True)
def test_both_parties_moving_to_the_same_time_leaves_one_checkin_there(mentorship):
    sign_terms(mentorship)
    first, second = mentorship.checkins.upcoming()[:2]
    target = first.scheduled_at + timedelta(days=2, hours=3)

    outcomes = race(
        [
            lambda: checkins.reschedule(
                checkin=first, actor=mentorship.mentor, scheduled_at=target, reason="a"
            ),
            lambda: checkins.reschedule(
                checkin=second, actor=mentorship.mentee, scheduled_at=target, reason="b"
            ),
        ]
    )
    assert sum(isinstance(o, CheckIn) for o in outcomes) == 1, outcomes
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refusals) == 1 and "already a check-in" in str(refusals[0])
    assert mentorship.checkins.filter(scheduled_at=target).count() == 1


@pytest.mark.django_db(transaction=True)
def test_cancel_and_record_at_once_leave_one_consistent_outcome(mentorship):
    sign_terms(mentorship)
    checkin = past_checkin(mentorship, hours_ago=1)
    fields = {"status": "held", "format": "video"}
    outcomes = race(
        [
            lambda: checkins.cancel(
                checkin=checkin, actor=mentorship.mentor, reason="x"
            ),
            lambda: checkins.record(
                checkin=checkin,
                actor=mentorship.mentee,
                fields=fields,
                feedback=[],
                ratings={},
            ),
        ]
    )
    checkin.refresh_from_db()
    assert sum(isinstance(o, CheckIn) for o in outcomes) >= 1, outcomes
    if checkin.status == "cancelled":
        assert checkin.recorded_at is None
    else:
        assert checkin.status == "held" and checkin.recorded_at is not None
