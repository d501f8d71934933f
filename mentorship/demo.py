"""Demo activity: check-ins in several states, notes of both kinds, toolkit entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mentorship import checkins, toolkit
from mentorship import notes as note_services
from mentorship.models import CheckIn, Cohort, Mentorship, Note, ToolkitEntry, User

FEEDBACK = {
    "situation": "Tuesday's design review of the billing service.",
    "observation": "You opened with the decision you needed and kept to time.",
    "impact": "The team agreed on the data model in twenty minutes.",
    "suggestion": "Send the options a day ahead so people come prepared.",
}
NOTES = [
    # (author: "mentor" or "mentee", visibility, body with {me} and {partner})
    ("mentor", "private", "{me}'s own reminder: ask {partner} how the talk went."),
    ("mentee", "private", "{me}'s private note: raise the team-lead opening."),
    ("mentee", "shared", "Shared by {me}: reading list for the architecture module."),
    ("mentor", "shared", "Shared by {me}: the outline we agreed with {partner}."),
]

# (pair, author, published?, entry): pair 0 is Maya and Eli, pair 1 Noah and Iris.
TOOLKIT: list[tuple[int, str, bool, dict[str, Any]]] = [
    (
        0,
        "mentor",
        True,
        {
            "kind": "lesson",
            "title": "Agree the goal before the first check-in",
            "body": "Pairs who wrote one goal into the agreement had far better "
            "first meetings than pairs who started with a general chat.",
        },
    ),
    (
        0,
        "mentee",
        True,
        {
            "kind": "strategy",
            "title": "Send the agenda a day ahead",
            "body": "Three bullet points the day before: what happened, where I am "
            "stuck, what I want to leave with. The check-in starts on the real "
            "question.",
        },
    ),
    (
        1,
        "mentee",
        True,
        {
            "kind": "barrier",
            "title": "Check-ins slip when deadlines hit",
            "body": "In release weeks we both cancelled. A fixed slot outside the "
            "sprint ceremonies fixed it.",
            "is_anonymous": True,
        },
    ),
    (
        1,
        "mentor",
        True,
        {
            "kind": "resource",
            "title": "A short guide to giving feedback",
            "body": "Situation, behaviour, impact: a frame that keeps feedback "
            "concrete.",
            "link": "https://en.wikipedia.org/wiki/Feedback",
        },
    ),
    (
        1,
        "mentee",
        False,
        {
            "kind": "strategy",
            "title": "Pair on a small task first",
            "body": "Before talking careers, we paired on a small bug fix. It broke "
            "the ice.",
        },
    ),
]


def _past(mentorship: Mentorship, days_ago: float, actor: User) -> CheckIn:
    at = (timezone.now() - timedelta(days=days_ago)).replace(second=0, microsecond=0)
    return CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=at,
        origin=CheckIn.Origin.EXTRA,
        created_by=actor,
    )


def _record(checkin: CheckIn, actor: User, status: str, **fields: str) -> None:
    checkins.record(
        checkin=checkin,
        actor=actor,
        fields={"status": status, **fields},
        feedback=[FEEDBACK] if status == CheckIn.Status.HELD else [],
        ratings=dict(
            zip(checkins.dimensions_of(checkin.mentorship), (3, 4, 4), strict=False)
        )
        if status == CheckIn.Status.HELD
        else {},
    )


def _signed_pair_activity(mentorship: Mentorship) -> None:
    mentor, mentee = mentorship.mentor, mentorship.mentee
    _record(
        _past(mentorship, 21, mentee),
        mentor,
        CheckIn.Status.HELD,
        format="video",
        alignment="Agreed the talk is the main goal for this quarter.",
        progress="Eli drafted the outline and booked a slot.",
        next_steps="Dry run with two colleagues before the next check-in.",
    )
    _record(_past(mentorship, 14, mentee), mentee, CheckIn.Status.MISSED)
    _record(
        _past(mentorship, 7, mentor),
        mentee,
        CheckIn.Status.HELD,
        format="in_person",
        alignment="Still on the talk; added the review-leading goal.",
        progress="Dry run done; feedback on pacing.",
        next_steps="Lead Thursday's design review.",
    )
    upcoming = list(mentorship.checkins.upcoming()[:3])
    if len(upcoming) >= 2:
        checkins.reschedule(
            checkin=upcoming[0],
            actor=mentee,
            scheduled_at=upcoming[0].scheduled_at + timedelta(days=1),
            reason="Eli is at the offsite that day.",
        )
        checkins.cancel(
            checkin=upcoming[1], actor=mentor, reason="Maya is on leave that week."
        )
    checkins.add_extra(
        mentorship=mentorship,
        actor=mentor,
        scheduled_at=(timezone.now() + timedelta(days=3)).replace(
            minute=0, second=0, microsecond=0
        ),
        duration=30,
    )


def _notes(mentorship: Mentorship) -> None:
    for role, visibility, body in NOTES:
        author: User = getattr(mentorship, role)
        names = {
            "me": author.get_short_name(),
            "partner": mentorship.partner_of(author).get_short_name(),
        }
        note_services.create_note(
            mentorship=mentorship,
            author=author,
            body=body.format(**names),
            visibility=visibility,
        )


def _toolkit(cohort: Cohort, pairs: list[Mentorship]) -> None:
    program = cohort.program
    coordinator = program.coordinators.order_by("pk").first()
    for pair, role, published, fields in TOOLKIT:
        entry = toolkit.contribute_entry(
            program=program, author=getattr(pairs[pair], role), **fields
        )
        if published and coordinator is not None:
            toolkit.publish_entry(entry=entry, decided_by=coordinator)


def seed_activity(*, cohort: Cohort) -> None:
    """Give the demo pairs a history, unless they have one already."""
    for mentorship in cohort.mentorships.active().with_people():
        if mentorship.checkins.filter(scheduled_at__lt=timezone.now()).exists():
            continue
        if mentorship.has_signed_terms:
            _signed_pair_activity(mentorship)
        else:
            # A pair still drafting: one check-in already past and not recorded.
            _past(mentorship, 5, mentorship.mentor)
        if not Note.objects.filter(mentorship=mentorship).exists():
            _notes(mentorship)
    pairs = list(cohort.mentorships.active().with_people().order_by("pk"))
    has_toolkit = ToolkitEntry.objects.filter(program=cohort.program).exists()
    if len(pairs) >= 2 and not has_toolkit:
        _toolkit(cohort, pairs)
    checkins.assess_drift()
