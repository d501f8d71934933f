"""When notes expire: the rule in force, its anchor, and re-computing on new terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from mentorship import retention, services
from mentorship.models import Mentorship, Note, RetentionAnchor
from tests import factories
from tests.mentorship.test_retention_purge import write_note

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WARNING = timedelta(days=settings.NOTE_EXPIRY_WARNING_DAYS)


def apply_retention(mentorship, days, anchor=RetentionAnchor.WRITTEN, *, at=NOW):
    """Put terms with this retention in force, as an effective agreement does."""
    with time_machine.travel(at, tick=False):
        services.apply_terms(
            mentorship=mentorship,
            terms=services.OperatingTerms(
                effective_at=at,
                cadence="biweekly",
                cadence_days=None,
                review_cadence="quarterly",
                retention_days=days,
                retention_anchor=anchor,
                scorecard_dimensions=["Skill development"],
            ),
        )


def expiry(note):
    note.refresh_from_db(fields=["expires_at"])
    return note.expires_at


def test_without_signed_terms_the_program_default_counts_from_writing(mentorship):
    note = write_note(mentorship, at=NOW)

    assert retention.retention_rule(mentorship) == (365, RetentionAnchor.WRITTEN)
    assert expiry(note) == NOW + timedelta(days=365)


def test_an_effective_agreement_puts_its_retention_in_force(mentorship):
    factories.effective_agreement(mentorship)
    mentorship.refresh_from_db()
    assert mentorship.has_signed_terms
    assert retention.retention_rule(mentorship) == (
        mentorship.retention_days,
        mentorship.retention_anchor,
    )


def test_written_anchor_counts_from_each_note(mentorship):
    apply_retention(mentorship, 60, at=NOW - timedelta(days=100))
    old = write_note(mentorship, at=NOW - timedelta(days=50))
    new = write_note(mentorship, at=NOW)

    assert expiry(old) == NOW + timedelta(days=10)
    assert expiry(new) == NOW + timedelta(days=60)


def test_closed_anchor_keeps_notes_until_the_mentorship_closes(mentorship):
    early = write_note(mentorship, at=NOW - timedelta(days=30))
    apply_retention(mentorship, 90, RetentionAnchor.CLOSED)
    late = write_note(mentorship, at=NOW + timedelta(days=1))
    assert expiry(early) is None
    assert expiry(late) is None

    closed_at = NOW + timedelta(days=40)
    with time_machine.travel(closed_at, tick=False):
        services.end_mentorship(mentorship=mentorship, ended_by=mentorship.mentor)

    mentorship.refresh_from_db()
    assert mentorship.ended_at == closed_at
    assert expiry(early) == expiry(late) == closed_at + timedelta(days=90)


def test_shorter_retention_gives_every_note_the_warning_period(mentorship):
    long_ago = write_note(mentorship, at=NOW - timedelta(days=100))
    recent = write_note(mentorship, at=NOW - timedelta(days=85))
    fresh = write_note(mentorship, at=NOW - timedelta(days=10))

    apply_retention(mentorship, 90)

    # 90 days from writing would be 10 days ago and in 5 days: sooner than the author
    # could be warned, so both get the warning period from the change.
    assert expiry(long_ago) == NOW + WARNING
    assert expiry(recent) == NOW + WARNING
    assert expiry(fresh) == NOW + timedelta(days=80)


def test_a_note_already_going_soon_is_not_pushed_later_by_the_floor(mentorship):
    note = write_note(mentorship, at=NOW - timedelta(days=362))  # 3 days left
    assert expiry(note) == NOW + timedelta(days=3)

    apply_retention(mentorship, 90)
    assert expiry(note) == NOW + timedelta(days=3)

    apply_retention(mentorship, 367)  # 5 days left under the longer rule
    assert expiry(note) == NOW + timedelta(days=5)


def test_longer_retention_moves_expiry_later(mentorship):
    note = write_note(mentorship, at=NOW - timedelta(days=10))

    apply_retention(mentorship, 730)

    assert expiry(note) == NOW - timedelta(days=10) + timedelta(days=730)


def test_a_note_already_expired_stays_expired(mentorship):
    note = write_note(mentorship, at=NOW - timedelta(days=366))  # due a day ago
    due = expiry(note)

    apply_retention(mentorship, 730)
    apply_retention(mentorship, 90, RetentionAnchor.CLOSED)

    assert expiry(note) == due


def test_recompute_reports_changes_and_is_idempotent(mentorship):
    for days in (5, 50, 500):  # the last one expired long ago
        write_note(mentorship, at=NOW - timedelta(days=days))
    apply_retention(mentorship, 365)

    mentorship.retention_days = 100
    assert retention.recompute_expiries(mentorship=mentorship, now=NOW) == 2
    assert retention.recompute_expiries(mentorship=mentorship, now=NOW) == 0


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "UTC"])
def test_expiry_is_whole_days_of_24_hours_whatever_the_zone(mentorship, zone):
    # 15 March: London and New York change their clocks within the next 30 days.
    written = datetime(2025, 3, 15, 12, 0, tzinfo=ZoneInfo(zone))

    expires = retention.expiry_for(
        mentorship=mentorship,
        created_at=written,
        days=30,
        anchor=RetentionAnchor.WRITTEN,
    )

    assert expires is not None
    assert expires - written == timedelta(hours=30 * 24)
    assert expires.utcoffset() == timedelta(0)


def test_recompute_leaves_other_mentorships_alone(cohort, mentorship):
    other = factories.mentorship_in(cohort)
    theirs = write_note(other, at=NOW)

    apply_retention(mentorship, 30)

    assert expiry(theirs) == NOW + timedelta(days=365)
    assert Note.objects.filter(mentorship=other).count() == 1


@pytest.mark.parametrize(
    ("signed", "days", "anchor"),
    [
        (False, None, RetentionAnchor.WRITTEN),  # no terms yet: the program's default
        (True, 90, RetentionAnchor.CLOSED),  # signed terms with their own rule
        (True, None, RetentionAnchor.CLOSED),  # signed terms that set no period
        (False, 90, RetentionAnchor.CLOSED),  # terms no longer in effect
    ],
)
def test_the_rule_in_sql_is_the_rule_in_python(mentorship, signed, days, anchor):
    Mentorship.objects.filter(pk=mentorship.pk).update(
        has_signed_terms=signed, retention_days=days, retention_anchor=anchor
    )
    mentorship = Mentorship.objects.select_related("cohort__program").get(
        pk=mentorship.pk
    )
    note = write_note(mentorship, at=NOW)

    in_sql = (
        Note.objects.filter(pk=note.pk)
        .annotate(**retention.retention_rule_columns("mentorship"))
        .values_list("retention_days", "retention_anchor")
        .get()
    )

    assert in_sql == retention.retention_rule(mentorship)
