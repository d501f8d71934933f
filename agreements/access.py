"""Fetch agreements and versions for a user: the pair and the program's coordinators.

Supervisors and everyone else get 404. A coordinator sees metadata only (the pages
decide what to show from the role returned); only the pair may change anything (403).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from agreements.models import Agreement, AgreementTemplate, AgreementVersion
from mentorship.models import Mentorship, Program, Role, User

COORDINATOR = "coordinator"


def _role(mentorship: Mentorship, user: User) -> str:
    role = mentorship.role_of(user)
    return str(role) if role in (Role.MENTOR, Role.MENTEE) else COORDINATOR


def get_mentorship_for(
    user: User, public_id: UUID, *, write: bool = False
) -> tuple[Mentorship, str]:
    """Return the mentorship and the user's role on its agreement pages."""
    qs = Mentorship.objects.visible_to(user).with_people()
    mentorship = get_object_or_404(qs, public_id=public_id)
    role = _role(mentorship, user)
    if write and role == COORDINATOR:
        raise PermissionDenied
    return mentorship, role


def get_agreement(mentorship: Mentorship) -> Agreement | None:
    return Agreement.objects.filter(mentorship=mentorship).first()


def get_version_for(
    user: User, public_id: UUID, *, write: bool = False
) -> tuple[AgreementVersion, str]:
    """Return a version of an agreement the user may see, and the user's role."""
    visible = Mentorship.objects.visible_to(user)
    qs = (
        AgreementVersion.objects.filter(agreement__mentorship__in=visible)
        .select_related(
            "agreement__mentorship__mentor",
            "agreement__mentorship__mentee",
            "agreement__mentorship__cohort__program",
            "amends",
            "last_edited_by",
        )
        .prefetch_related("criteria", "exceptions")
    )
    version = get_object_or_404(qs, public_id=public_id)
    role = _role(version.agreement.mentorship, user)
    if write and role == COORDINATOR:
        raise PermissionDenied
    return version, role


def get_signed_versions_for(user: User) -> QuerySet[AgreementVersion]:
    """Signed versions of agreements the user may see, for verification."""
    return AgreementVersion.objects.filter(
        agreement__mentorship__in=Mentorship.objects.visible_to(user),
        status__in=AgreementVersion.SIGNED,
    ).select_related("agreement__mentorship__mentor", "agreement__mentorship__mentee")


def get_template_for(user: User, public_id: UUID) -> AgreementTemplate:
    """Return a template of a program the user coordinates; anything else is 404."""
    qs = AgreementTemplate.objects.filter(
        program__in=Program.objects.coordinated_by(user)
    ).select_related("program")
    return get_object_or_404(qs, public_id=public_id)
