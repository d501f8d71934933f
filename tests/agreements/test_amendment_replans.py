"""An amendment that takes effect re-plans what lies ahead and leaves the past alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from agreements import services as agreements
from agreements.models import AgreementVersion
from mentorship import checkins
from mentorship import notes as note_services
from mentorship.models import CheckIn, Note
from tests import factories

Status = AgreementVersion.Status
FEEDBACK = {"situation": "S", "observation": "O", "impact": "I", "suggestion": "G"}


def _effective(mentorship, **sections):
    """Start, draft, propose and sign a first version with the given sections."""
    agreement = agreements.start_agreement(
        mentorship=mentorship, actor=mentorship.mentor
    )
    version = agreements.update_draft(
        version=agreement.versions.get(),
        editor=mentorship.mentor,
        draft=factories.complete_draft(**sections),
    )
    version = agreements.propose(version=version, actor=mentorship.mentee)
    factories.sign_as(version, mentorship.mentor)
    factories.sign_as(version, mentorship.mentee)
    version.refresh_from_db()
    assert version.status == Status.EFFECTIVE
    return version


def _signed_amendment(in_force, mentorship, **sections):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement,
        actor=mentorship.mentee,
        rationale="A new project: meet less often, keep notes longer.",
    )
    agreements.update_draft(
        version=amendment,
        editor=mentorship.mentee,
        draft=factories.complete_draft(**sections),
    )
    amendment = agreements.propose(version=amendment, actor=mentorship.mentee)
    factories.sign_as(amendment, mentorship.mentor)
    factories.sign_as(amendment, mentorship.mentee)
    amendment.refresh_from_db()
    return amendment


def _state(checkin):
    """What must not change about a check-in: identity, time, outcome and record."""
    return (
        checkin.pk,
        checkin.scheduled_at,
        checkin.status,
        checkin.origin,
        checkin.rescheduled_from,
        checkin.format,
        checkin.alignment,
        checkin.progress,
        checkin.next_steps,
        checkin.recorded_at,
        checkin.recorded_by_id,
        sorted(checkin.feedback_items.values_list(*FEEDBACK, "given_by_id")),
        sorted(checkin.ratings.values_list("dimension", "rating")),
    )


@pytest.fixture
def weekly(mentorship):
    """Weekly terms in force since now, notes kept 20 days."""
    version = _effective(mentorship, cadence="weekly", retention_days=20)
    mentorship.refresh_from_db()  # the terms were written on another instance
    return version


def test_a_biweekly_amendment_replans_ahead_and_keeps_the_past(weekly, mentorship):
    mentor, mentee = mentorship.mentor, mentorship.mentee
    start = timezone.now()
    old_note = note_services.create_note(
        mentorship=mentorship, author=mentor, body="Written first", visibility="private"
    )
    assert old_note.expires_at == old_note.created_at + timedelta(days=20)

    with time_machine.travel(start + timedelta(days=15)):
        first, second = mentorship.checkins.filter(
            scheduled_at__lt=timezone.now()
        ).order_by("scheduled_at")
        checkins.record(
            checkin=first,
            actor=mentor,
            fields={
                "status": "held",
                "format": "video",
                "alignment": "On the talk",
                "progress": "Outline drafted",
                "next_steps": "Dry run",
            },
            feedback=[FEEDBACK],
            ratings={"Skill development": 4},
        )
        checkins.record(
            checkin=second,
            actor=mentee,
            fields={"status": "missed"},
            feedback=[],
            ratings={},
        )
        newer_note = note_services.create_note(
            mentorship=mentorship,
            author=mentee,
            body="Written later",
            visibility="shared",
        )
        extra = checkins.add_extra(
            mentorship=mentorship,
            actor=mentee,
            scheduled_at=(timezone.now() + timedelta(days=25)).replace(
                hour=15, minute=0, second=0, microsecond=0
            ),
            duration=30,
        )
        later = mentorship.checkins.upcoming().filter(
            origin="series", scheduled_at__gt=timezone.now() + timedelta(days=20)
        )[0]
        moved = checkins.reschedule(
            checkin=later,
            actor=mentor,
            scheduled_at=later.scheduled_at + timedelta(days=1, hours=2),
            reason="Conference that day",
        )
        amendment = _signed_amendment(
            weekly, mentorship, cadence="biweekly", retention_days=90
        )
    assert amendment.status == Status.PROPOSED
    due = amendment.earliest_effective_at
    assert due == amendment.proposed_at + timedelta(days=weekly.notice_days)

    with time_machine.travel(due - timedelta(minutes=1)):
        assert agreements.activate_due_versions() == 0
    mentorship.refresh_from_db()
    assert (mentorship.cadence, mentorship.retention_days) == ("weekly", 20)

    with time_machine.travel(due + timedelta(minutes=1)):
        past_before = [
            _state(c)
            for c in mentorship.checkins.filter(scheduled_at__lte=timezone.now())
        ]
        weekly_ahead = set(
            mentorship.checkins.filter(
                origin="series",
                status="scheduled",
                rescheduled_from=None,
                scheduled_at__gt=timezone.now(),
            ).values_list("pk", flat=True)
        )
        assert agreements.activate_due_versions() == 1

    amendment.refresh_from_db()
    weekly.refresh_from_db()
    assert (amendment.status, weekly.status) == (Status.EFFECTIVE, Status.SUPERSEDED)
    effective_at = amendment.effective_at
    mentorship.refresh_from_db()
    assert (mentorship.cadence, mentorship.retention_days) == ("biweekly", 90)
    assert mentorship.terms_effective_at == effective_at

    # The past: the same rows, times, outcomes and records.
    past_after = [
        _state(c) for c in mentorship.checkins.filter(scheduled_at__lte=effective_at)
    ]
    assert past_after == past_before
    assert [s[2] for s in past_after[:2]] == ["held", "missed"]
    assert past_after[0][6:9] == ("On the talk", "Outline drafted", "Dry run")

    # Ahead: the weekly series is gone, a biweekly one counted from the new terms.
    assert not CheckIn.objects.filter(pk__in=weekly_ahead).exists()
    zone = mentorship.mentee.zone
    series = [
        c.scheduled_at.astimezone(zone)
        for c in mentorship.checkins.filter(
            origin="series",
            status="scheduled",
            rescheduled_from=None,
            scheduled_at__gt=effective_at,
        )
    ]
    assert len(series) >= 3
    assert series[0].date() == effective_at.astimezone(zone).date() + timedelta(days=14)
    assert [b.date() - a.date() for a, b in zip(series, series[1:], strict=False)] == [
        timedelta(days=14)
    ] * (len(series) - 1)
    assert {at.time() for at in series} == {mentorship.meeting_time}

    # What a person planned or moved stays where they put it.
    kept = {c.pk: c for c in mentorship.checkins.filter(pk__in=[extra.pk, moved.pk])}
    assert (kept[extra.pk].scheduled_at, kept[extra.pk].status) == (
        extra.scheduled_at,
        "scheduled",
    )
    assert (kept[moved.pk].scheduled_at, kept[moved.pk].rescheduled_from) == (
        moved.scheduled_at,
        later.scheduled_at,
    )
    assert kept[extra.pk].scheduled_at > effective_at
    assert kept[moved.pk].scheduled_at > effective_at

    # Retention: forward from the new rule; a note already past its expiry stays due.
    old_note.refresh_from_db()
    newer_note.refresh_from_db()
    assert old_note.expires_at == old_note.created_at + timedelta(days=20)
    assert old_note.expires_at < effective_at
    assert newer_note.expires_at == newer_note.created_at + timedelta(days=90)
    assert Note.objects.filter(expires_at__lte=effective_at).get() == old_note


def test_waiving_the_notice_replans_at_once(weekly, mentorship):
    past = mentorship.checkins.order_by("scheduled_at")[0]
    with time_machine.travel(past.scheduled_at + timedelta(hours=1)):
        checkins.record(
            checkin=past,
            actor=mentorship.mentor,
            fields={"status": "missed"},
            feedback=[],
            ratings={},
        )
        amendment = _signed_amendment(
            weekly, mentorship, cadence="biweekly", retention_days=90
        )
        agreements.waive_notice(version=amendment, party=mentorship.mentor)
        agreements.waive_notice(version=amendment, party=mentorship.mentee)
        now = timezone.now()
    amendment.refresh_from_db()
    assert amendment.status == Status.EFFECTIVE
    assert amendment.effective_at < amendment.earliest_effective_at
    past.refresh_from_db()
    assert (past.status, past.recorded_by) == ("missed", mentorship.mentor)
    ahead = list(
        mentorship.checkins.filter(scheduled_at__gt=now).values_list(
            "scheduled_at", flat=True
        )
    )
    assert len(ahead) >= 2
    assert {b - a for a, b in zip(ahead, ahead[1:], strict=False)} == {
        timedelta(days=14)
    }
