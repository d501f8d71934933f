"""Fetch reviews, consents and summaries for a user, in one step with the check.

Reviews belong to the pair alone: coordinators, supervisors and everyone else get 404.
A supervisor reaches a summary only through a consent that is active at this very
request: none, expired or withdrawn answers 404, like an id that does not exist.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from mentorship.models import Mentorship, User
from reviews import services
from reviews.models import ProgressReview, SupervisorConsent


def get_pair_mentorship_for(user: User, public_id: UUID) -> Mentorship:
    """Return the user's own mentorship (as mentor or mentee); anyone else gets 404."""
    qs = Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user)).with_people()
    return get_object_or_404(qs, public_id=public_id)


def get_review_for(user: User, public_id: UUID) -> ProgressReview:
    """Return a review of the user's own mentorship; anyone else gets 404."""
    qs = ProgressReview.objects.filter(
        Q(mentorship__mentor=user) | Q(mentorship__mentee=user)
    ).select_related(
        "mentorship__mentor",
        "mentorship__mentee",
        "mentorship__cohort__program",
        "version",
        "amendment",
        "completed_by",
    )
    return get_object_or_404(qs, public_id=public_id)


def get_consent_mentorship_for(user: User, public_id: UUID) -> Mentorship:
    """Return the mentorship whose consent the user manages: the mentee's alone.

    The mentor gets 403 (they see the mentorship, not its consent); anyone else 404.
    """
    mentorship = get_pair_mentorship_for(user, public_id)
    if mentorship.mentee_id != user.pk:
        raise PermissionDenied
    return mentorship


def get_summary_consent_for(user: User, public_id: UUID) -> SupervisorConsent:
    """Return the active consent that lets the supervisor read this mentee's summary.

    Read from the database on every request, never cached: a withdrawal or an expiry
    refuses the very next one.
    """
    qs = (
        SupervisorConsent.objects.active()
        .filter(supervisor=user, mentorship__supervisor=user)
        .select_related(
            "supervisor", "mentorship__mentee", "mentorship__cohort__program"
        )
    )
    consent = get_object_or_404(qs, mentorship__public_id=public_id)
    if not services.sharing_allowed(consent.mentorship):
        raise Http404
    return consent
