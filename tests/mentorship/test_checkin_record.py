"""Recording check-ins, moving and cancelling them, and what drift follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from mentorship import checkins, services
from mentorship.models import CheckIn, Mentorship, RevisitPrompt
from tests.mentorship.checkin_helpers import DIMENSIONS, past_checkin, sign_terms

HELD = {
    "status": "held",
    "format": "video",
    "alignment": "A",
    "progress": "P",
    "next_steps": "N",
}
FEEDBACK = {"situation": "S", "observation": "O", "impact": "I", "suggestion": "G"}


def _record(checkin, actor, status="held", **changes):
    fields = {**HELD, "status": status, **changes}
    return checkins.record(
        checkin=checkin,
        actor=actor,
        fields=fields,
        feedback=[FEEDBACK],
        ratings={DIMENSIONS[0]: 4},
    )


def test_recording_keeps_outcome_feedback_and_ratings(mentorship):
    sign_terms(mentorship)
    checkin = _record(past_checkin(mentorship), mentorship.mentee)
    assert checkin.status == "held" and checkin.recorded_by == mentorship.mentee
    item = checkin.feedback_items.get()
    assert (item.situation, item.observation, item.impact, item.suggestion) == (
        "S",
        "O",
        "I",
        "G",
    )
    assert list(checkin.ratings.values_list("dimension", "rating")) == [
        (DIMENSIONS[0], 4)
    ]


def test_recording_again_replaces_only_the_recorders_feedback(mentorship):
    sign_terms(mentorship)
    checkin = _record(past_checkin(mentorship), mentorship.mentee)
    _record(checkin, mentorship.mentor)
    _record(checkin, mentorship.mentor)
    givers = sorted(
        checkin.feedback_items.values_list("given_by__full_name", flat=True)
    )
    assert givers == sorted([mentorship.mentee.full_name, mentorship.mentor.full_name])


def test_recording_is_refused_until_the_agreement_is_in_effect(mentorship):
    checkin = past_checkin(mentorship)
    with pytest.raises(ValidationError, match="agreement is signed"):
        _record(checkin, mentorship.mentor)
    checkin.refresh_from_db()
    assert checkin.status == "scheduled" and not checkin.feedback_items.exists()


def test_programs_that_do_not_require_an_agreement_allow_recording(mentorship):
    program = mentorship.cohort.program
    program.requires_effective_agreement = False
    program.save()
    assert _record(past_checkin(mentorship), mentorship.mentor).status == "held"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "held", "format": ""}, "how you met"),
        ({"status": "cancelled"}, "held or missed"),
    ],
)
def test_recording_refuses_an_incomplete_outcome(mentorship, changes, message):
    sign_terms(mentorship)
    with pytest.raises(ValidationError, match=message):
        _record(past_checkin(mentorship), mentorship.mentor, **changes)


def test_recording_refuses_unknown_dimensions_and_future_checkins(mentorship):
    sign_terms(mentorship)
    with pytest.raises(ValidationError, match="dimensions"):
        checkins.record(
            checkin=past_checkin(mentorship),
            actor=mentorship.mentor,
            fields=HELD,
            feedback=[],
            ratings={"Charisma": 5},
        )
    future = mentorship.checkins.upcoming().first()
    with pytest.raises(ValidationError, match="not happened yet"):
        _record(future, mentorship.mentor)


def test_only_the_pair_records_moves_or_cancels(mentorship, coordinator, outsider):
    sign_terms(mentorship)
    checkin = mentorship.checkins.upcoming().first()
    for actor in (coordinator, outsider, mentorship.supervisor):
        with pytest.raises(PermissionDenied):
            checkins.cancel(checkin=checkin, actor=actor, reason="x")
        with pytest.raises(PermissionDenied):
            _record(past_checkin(mentorship, hours_ago=1 + actor.pk), actor)


def test_moving_and_cancelling_need_a_reason_and_an_open_future_checkin(mentorship):
    sign_terms(mentorship)
    first, second = mentorship.checkins.upcoming()[:2]
    with pytest.raises(ValidationError):
        checkins.reschedule(
            checkin=first,
            actor=mentorship.mentor,
            scheduled_at=first.scheduled_at + timedelta(hours=1),
            reason=" ",
        )
    with pytest.raises(ValidationError, match="future"):
        checkins.reschedule(
            checkin=first,
            actor=mentorship.mentor,
            scheduled_at=timezone.now() - timedelta(hours=1),
            reason="r",
        )
    with pytest.raises(ValidationError, match="already a check-in"):
        checkins.reschedule(
            checkin=first,
            actor=mentorship.mentor,
            scheduled_at=second.scheduled_at,
            reason="r",
        )
    moved = checkins.reschedule(
        checkin=first,
        actor=mentorship.mentor,
        scheduled_at=first.scheduled_at + timedelta(hours=2),
        reason="Travel",
    )
    assert (
        moved.rescheduled_from == first.scheduled_at and moved.change_reason == "Travel"
    )
    cancelled = checkins.cancel(checkin=second, actor=mentorship.mentee, reason="Ill")
    assert cancelled.status == "cancelled"
    with pytest.raises(ValidationError, match="Only a planned"):
        checkins.cancel(checkin=cancelled, actor=mentorship.mentee, reason="again")


# --- Drift ------------------------------------------------------------------------------


@override_settings(CHECKIN_RECORDING_GRACE_HOURS=24, REVISIT_AFTER_MISSES=3)
def test_misses_in_a_row_mark_drift_and_a_held_checkin_clears_it(mentorship):
    sign_terms(mentorship)
    old = [past_checkin(mentorship, hours_ago=h) for h in (200, 100, 30, 2)]
    _record(old[0], mentorship.mentor)
    _record(old[1], mentorship.mentor, status="missed")
    # old[2] is unrecorded past the grace period: missed; old[3] is not judged yet.
    assert checkins.assess_drift() == 1
    mentorship.refresh_from_db()
    assert mentorship.missed_in_row == 2 and mentorship.is_drifting
    assert not mentorship.revisit_prompts.exists()

    _record(old[3], mentorship.mentor)
    mentorship.refresh_from_db()
    assert mentorship.missed_in_row == 0 and not mentorship.is_drifting


@override_settings(CHECKIN_RECORDING_GRACE_HOURS=24, REVISIT_AFTER_MISSES=3)
def test_repeated_misses_open_one_revisit_prompt(mentorship):
    sign_terms(mentorship)
    for hours in (300, 200, 100):
        past_checkin(mentorship, hours_ago=hours)
    checkins.assess_drift()
    checkins.assess_drift()
    prompt = mentorship.revisit_prompts.get()
    assert prompt.reason == RevisitPrompt.Reason.MISSES and prompt.is_open
    past_checkin(mentorship, hours_ago=50)
    checkins.assess_drift()
    assert mentorship.revisit_prompts.count() == 1  # still open: no second prompt


def test_cohort_midpoint_and_end_open_revisit_prompts_once(mentorship):
    sign_terms(mentorship)
    cohort = mentorship.cohort
    middle = cohort.starts_on + (cohort.ends_on - cohort.starts_on) / 2
    assert checkins.prompt_calendar_revisits(today=middle - timedelta(days=1)) == 0
    assert checkins.prompt_calendar_revisits(today=middle) == 1
    assert checkins.prompt_calendar_revisits(today=middle) == 0
    assert checkins.prompt_calendar_revisits(today=cohort.ends_on) == 1
    reasons = set(mentorship.revisit_prompts.values_list("reason", flat=True))
    assert reasons == {"midpoint", "before_end"}


def test_a_revisit_is_decided_once(mentorship):
    sign_terms(mentorship)
    prompt = RevisitPrompt.objects.create(
        mentorship=mentorship, reason="midpoint", due_on=timezone.localdate()
    )
    checkins.decide_revisit(
        prompt=prompt, actor=mentorship.mentor, outcome="kept", note="Fine"
    )
    prompt.refresh_from_db()
    assert (prompt.outcome, prompt.decided_by) == ("kept", mentorship.mentor)
    with pytest.raises(ValidationError, match="already"):
        checkins.decide_revisit(
            prompt=prompt, actor=mentorship.mentee, outcome="closed"
        )


def test_cancelled_checkins_never_count_as_missed(mentorship):
    sign_terms(mentorship)
    checkin = past_checkin(mentorship, hours_ago=500)
    CheckIn.objects.filter(pk=checkin.pk).update(status="cancelled")
    assert checkins.assess_drift() == 0


@pytest.mark.parametrize("reason", ["", "   ", "\n\t "])
def test_cancelling_without_a_reason_is_refused_and_changes_nothing(mentorship, reason):
    sign_terms(mentorship)
    checkin = mentorship.checkins.upcoming().first()
    with pytest.raises(ValidationError) as error:
        checkins.cancel(checkin=checkin, actor=mentorship.mentor, reason=reason)
    assert error.value.message_dict == {
        "reason": ["Say why the check-in is cancelled."]
    }
    checkin.refresh_from_db()
    assert (checkin.status, checkin.change_reason, checkin.changed_by) == (
        "scheduled",
        "",
        None,
    )


def test_cancelling_keeps_the_reason_trimmed_and_who_cancelled(mentorship):
    sign_terms(mentorship)
    checkin = mentorship.checkins.upcoming().first()
    checkins.cancel(checkin=checkin, actor=mentorship.mentee, reason="  Ill  \n")
    checkin.refresh_from_db()
    assert (checkin.status, checkin.change_reason, checkin.changed_by) == (
        "cancelled",
        "Ill",
        mentorship.mentee,
    )


def test_recording_refuses_more_feedback_items_than_the_page_offers(mentorship):
    sign_terms(mentorship)
    checkin = past_checkin(mentorship)
    with pytest.raises(ValidationError, match="at most 10 feedback items"):
        checkins.record(
            checkin=checkin,
            actor=mentorship.mentor,
            fields=HELD,
            feedback=[FEEDBACK] * 11,
            ratings={},
        )
    checkin.refresh_from_db()
    assert not checkin.is_recorded and not checkin.feedback_items.exists()


def test_an_extra_checkin_is_refused_on_a_mentorship_closed_since_loaded(mentorship):
    loaded = Mentorship.objects.get(pk=mentorship.pk)  # what the page had read
    services.end_mentorship(mentorship=mentorship, ended_by=mentorship.mentor)
    ahead = mentorship.checkins.filter(status=CheckIn.Status.SCHEDULED).count()

    with pytest.raises(ValidationError, match="closed"):
        checkins.add_extra(
            mentorship=loaded,
            actor=mentorship.mentee,
            scheduled_at=timezone.now() + timedelta(days=2),
            duration=30,
        )
    assert mentorship.checkins.filter(status=CheckIn.Status.SCHEDULED).count() == ahead
