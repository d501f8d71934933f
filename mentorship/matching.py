"""Pairing suggestions: rank mentors for each unpaired mentee by a score with visible parts.

The score weighs how many of the mentee's goals the mentor lists as strengths, how
much of the mentor's capacity is left, and how their availability overlaps. Mentors
with no capacity left, and a mentee's own supervisor, are never suggested.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mentorship.models import Cohort, Membership, Role

GOAL_WEIGHT = 0.5
AVAILABILITY_WEIGHT = 0.3
CAPACITY_WEIGHT = 0.2
SUGGESTIONS_PER_MENTEE = 3


@dataclass(frozen=True)
class Suggestion:
    mentor: Membership
    shared_tags: list[str]
    goal_overlap: float
    shared_slots: list[str]
    availability_overlap: float
    capacity_left: int
    capacity_share: float

    @property
    def score(self) -> int:
        """Return the weighted score out of 100."""
        total = (
            GOAL_WEIGHT * self.goal_overlap
            + AVAILABILITY_WEIGHT * self.availability_overlap
            + CAPACITY_WEIGHT * self.capacity_share
        )
        return round(total * 100)


@dataclass(frozen=True)
class MenteeSuggestions:
    mentee: Membership
    suggestions: list[Suggestion]
    supervisor: Membership | None  # the cohort's supervisor the mentee named, if any


def _share(wanted: list[str], offered: list[str]) -> tuple[list[str], float]:
    shared = sorted(set(wanted) & set(offered))
    return shared, (len(shared) / len(set(wanted)) if wanted else 0.0)


def score_pair(mentee: Membership, mentor: Membership, active: int) -> Suggestion:
    shared_tags, goal_overlap = _share(mentee.goals, mentor.strengths)
    shared_slots, availability = _share(mentee.availability, mentor.availability)
    left = max(mentor.capacity - active, 0)
    return Suggestion(
        mentor=mentor,
        shared_tags=shared_tags,
        goal_overlap=goal_overlap,
        shared_slots=shared_slots,
        availability_overlap=availability,
        capacity_left=left,
        capacity_share=left / mentor.capacity if mentor.capacity else 0.0,
    )


def suggest_for(
    mentee: Membership, mentors: list[Membership], active: Counter[int]
) -> list[Suggestion]:
    """Return the best mentors for one mentee, best first."""
    candidates = [
        score_pair(mentee, mentor, active[mentor.user_id])
        for mentor in mentors
        if mentor.user_id != mentee.user_id
        and mentor.user.email != mentee.supervisor_email
        and active[mentor.user_id] < mentor.capacity
    ]
    candidates.sort(key=lambda s: (-s.score, s.mentor.user.full_name))
    return candidates[:SUGGESTIONS_PER_MENTEE]


def pairing_board(cohort: Cohort) -> list[MenteeSuggestions]:
    """Return suggestions for every mentee of the cohort without an active mentorship."""
    memberships = list(cohort.memberships.select_related("user"))
    pairs = list(cohort.mentorships.active().values_list("mentor_id", "mentee_id"))
    active = Counter(mentor_id for mentor_id, _mentee_id in pairs)
    paired_mentees = {mentee_id for _mentor_id, mentee_id in pairs}
    mentors = [m for m in memberships if m.role == Role.MENTOR]
    supervisors = {m.user.email: m for m in memberships if m.role == Role.SUPERVISOR}
    return [
        MenteeSuggestions(
            mentee=m,
            suggestions=suggest_for(m, mentors, active),
            supervisor=supervisors.get(m.supervisor_email),
        )
        for m in memberships
        if m.role == Role.MENTEE and m.user_id not in paired_mentees
    ]
