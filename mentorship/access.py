"""Fetch an object and check the requesting user may see (or manage) it, in one step.

Objects outside the user's visible set answer 404, so their existence does not leak;
visible objects the user may not change answer 403.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from mentorship.models import (
    CheckIn,
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    RevisitPrompt,
    ToolkitEntry,
    User,
    coordinated_by,
)


def get_program_for(user: User, public_id: UUID, *, manage: bool = False) -> Program:
    """Return the program if visible to the user; with manage=True, only to coordinators."""
    qs = Program.objects.visible_to(user).with_access_of(user)
    program = get_object_or_404(qs, public_id=public_id)
    if manage and not program.is_coordinator:  # type: ignore[attr-defined]
        raise PermissionDenied
    return program


def get_cohort_for(user: User, public_id: UUID, *, manage: bool = False) -> Cohort:
    """Return the cohort if visible to the user; with manage=True, only to coordinators."""
    qs = Cohort.objects.visible_to(user).with_access_of(user).select_related("program")
    cohort = get_object_or_404(qs, public_id=public_id)
    if manage and not cohort.is_coordinator:  # type: ignore[attr-defined]
        raise PermissionDenied
    return cohort


def get_membership_for(user: User, cohort: Cohort, role: str) -> Membership:
    """Return the user's own membership in the cohort in that role, else 403."""
    membership = cohort.memberships.filter(user=user, role=role).first()
    if membership is None:
        raise PermissionDenied
    membership.cohort = cohort
    return membership


def get_invitation_for(user: User, public_id: UUID) -> Invitation:
    """Return an invitation of a cohort the user coordinates; anything else is 404."""
    qs = Invitation.objects.filter(
        coordinated_by(user, "cohort__program_id")
    ).select_related("cohort__program")
    return get_object_or_404(qs, public_id=public_id)


def get_mentorship_for(user: User, public_id: UUID) -> Mentorship:
    """Return the mentorship if the user is in the pair or coordinates its program."""
    qs = Mentorship.objects.visible_to(user).with_people()
    return get_object_or_404(qs, public_id=public_id)


def get_pair_mentorship_for(user: User, public_id: UUID) -> Mentorship:
    """Return the mentorship if the user is its mentor or mentee; coordinators 404."""
    qs = Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user)).with_people()
    return get_object_or_404(qs, public_id=public_id)


def get_checkin_for(user: User, public_id: UUID) -> CheckIn:
    """Return a check-in of the user's own mentorship; anyone else gets 404."""
    qs = CheckIn.objects.of_pair_member(user).select_related(
        "mentorship__mentor", "mentorship__mentee", "mentorship__cohort__program"
    )
    return get_object_or_404(qs, public_id=public_id)


def get_revisit_for(user: User, public_id: UUID) -> RevisitPrompt:
    """Return a revisit prompt of the user's own mentorship; anyone else gets 404."""
    qs = RevisitPrompt.objects.filter(
        Q(mentorship__mentor=user) | Q(mentorship__mentee=user)
    ).select_related("mentorship__mentor", "mentorship__mentee", "decided_by")
    return get_object_or_404(qs, public_id=public_id)


def get_toolkit_entry_for(user: User, public_id: UUID) -> ToolkitEntry:
    """Return a toolkit entry for its program's coordinators to decide on.

    Entries of programs the user is not in are 404; the program's other people 403.
    """
    qs = (
        ToolkitEntry.objects.filter(program__in=Program.objects.visible_to(user))
        .annotate(is_coordinator=coordinated_by(user, "program_id"))
        .select_related("program")
    )
    entry = get_object_or_404(qs, public_id=public_id)
    if not entry.is_coordinator:  # type: ignore[attr-defined]
        raise PermissionDenied
    return entry
