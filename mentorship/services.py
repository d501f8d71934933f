"""Write use cases of the program domain. Views, commands and tasks all come through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship import tasks
from mentorship.models import (
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    Role,
    User,
)

# --- Programs and cohorts -------------------------------------------------------------


@transaction.atomic
def create_program(*, created_by: User, fields: dict[str, Any]) -> Program:
    """Create a program with its creator as the first coordinator."""
    program = Program.objects.create(**fields)
    program.coordinators.add(created_by)
    return program


def update_program(*, program: Program, fields: dict[str, Any]) -> Program:
    for name, value in fields.items():
        setattr(program, name, value)
    program.save(update_fields=[*fields, "updated_at"])
    return program


def create_cohort(*, program: Program, fields: dict[str, Any]) -> Cohort:
    return Cohort.objects.create(program=program, **fields)


def update_cohort(*, cohort: Cohort, fields: dict[str, Any]) -> Cohort:
    for name, value in fields.items():
        setattr(cohort, name, value)
    cohort.save(update_fields=[*fields, "updated_at"])
    return cohort


# --- Invitations ----------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationRequest:
    email: str
    full_name: str
    role: str
    supervisor_email: str = ""


def _check_invitable(cohort: Cohort, request: InvitationRequest) -> None:
    """Refuse an invitation that would duplicate a membership or a pending invitation."""
    if cohort.memberships.filter(user__email=request.email, role=request.role).exists():
        raise ValidationError(
            {
                "email": _("This person is already a %(role)s in this cohort.")
                % {"role": Role(request.role).label.lower()}
            }
        )
    if (
        cohort.invitations.pending()
        .filter(email=request.email, role=request.role)
        .exists()
    ):
        raise ValidationError(
            {"email": _("This person already has a pending invitation for this role.")}
        )


def _create_invitation(
    *, cohort: Cohort, request: InvitationRequest, invited_by: User
) -> Invitation:
    _check_invitable(cohort, request)
    # An expired invitation for the same role stops blocking a fresh one. Only expired
    # ones: a pending one committed meanwhile by a concurrent request must stay.
    now = timezone.now()
    cohort.invitations.open().filter(
        email=request.email, role=request.role, expires_at__lte=now
    ).update(revoked_at=now)
    supervisor_email = request.supervisor_email if request.role == Role.MENTEE else ""
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                cohort=cohort,
                email=request.email,
                full_name=request.full_name,
                role=request.role,
                supervisor_email=supervisor_email,
                invited_by=invited_by,
                expires_at=timezone.now()
                + timedelta(days=settings.INVITATION_VALID_DAYS),
            )
    except IntegrityError:
        # The same invitation submitted twice at once: the database kept one.
        raise ValidationError(
            {"email": _("This person already has a pending invitation for this role.")}
        ) from None
    _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: Invitation) -> None:
    transaction.on_commit(
        partial(tasks.send_invitation_email.delay, invitation_id=invitation.pk)
    )


@transaction.atomic
def invite_person(
    *, cohort: Cohort, request: InvitationRequest, invited_by: User
) -> Invitation:
    """Invite one person to the cohort in a role and email them the link."""
    return _create_invitation(cohort=cohort, request=request, invited_by=invited_by)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


class ImportRejected(Exception):
    """A CSV import had row errors; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} row errors")
        self.errors = errors


@transaction.atomic
def import_invitations(
    *, cohort: Cohort, rows: Iterable[tuple[int, InvitationRequest]], invited_by: User
) -> list[Invitation]:
    """Invite every row or none: any row error rolls the whole import back."""
    invitations: list[Invitation] = []
    errors: list[RowError] = []
    for line, request in rows:
        try:
            with transaction.atomic():
                invitations.append(
                    _create_invitation(
                        cohort=cohort, request=request, invited_by=invited_by
                    )
                )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(RowError(line, field, message) for message in messages)
    if errors:
        transaction.set_rollback(True)
        raise ImportRejected(errors)
    return invitations


@transaction.atomic
def resend_invitation(*, invitation: Invitation) -> Invitation:
    """Email the link again and give it a fresh expiry."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(
            _("Only an invitation that was not accepted can be resent.")
        )
    invitation.expires_at = timezone.now() + timedelta(
        days=settings.INVITATION_VALID_DAYS
    )
    invitation.sent_at = None
    invitation.save(update_fields=["expires_at", "sent_at", "updated_at"])
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation was already accepted."))
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


@transaction.atomic
def accept_invitation(
    *,
    invitation: Invitation,
    user: User | None = None,
    full_name: str = "",
    password: str = "",
) -> Membership:
    """Use the invitation once: create the account if needed, and the membership.

    `user` is the signed-in account the invitation's email belongs to; without it a new
    account is created with `full_name` and `password`.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationUnusable(invitation.status)
    if user is None:
        user = User.objects.create_user(
            invitation.email, password, full_name=full_name.strip()
        )
    elif user.email != invitation.email:
        raise ValidationError(_("This invitation was sent to another email address."))
    membership, _created = Membership.objects.get_or_create(
        cohort=invitation.cohort,
        user=user,
        role=invitation.role,
        defaults={"supervisor_email": invitation.supervisor_email},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


# --- Profiles and pairing -------------------------------------------------------------


def update_profile(*, membership: Membership, fields: dict[str, Any]) -> Membership:
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save(update_fields=[*fields, "updated_at"])
    return membership


def _member(cohort: Cohort, user: User, role: str, field: str) -> Membership:
    membership = cohort.memberships.filter(user=user, role=role).first()
    if membership is None:
        raise ValidationError(
            {
                field: _("%(name)s is not a %(role)s in this cohort.")
                % {"name": user, "role": Role(role).label.lower()}
            }
        )
    return membership


def _check_pair(
    *,
    mentor: User,
    mentee: User,
    supervisor: User | None,
    mentee_membership: Membership,
) -> None:
    if mentor == mentee:
        raise ValidationError({"mentee": _("A person cannot mentor themselves.")})
    if supervisor is not None and supervisor in (mentor, mentee):
        raise ValidationError(
            {"supervisor": _("The supervisor cannot be the mentor or the mentee.")}
        )
    if mentee_membership.supervisor_email and (
        mentor.email == mentee_membership.supervisor_email
    ):
        raise ValidationError(
            {
                "mentor": _("%(name)s is this mentee's own supervisor.")
                % {"name": mentor}
            }
        )


@transaction.atomic
def pair_mentorship(
    *,
    cohort: Cohort,
    mentor: User,
    mentee: User,
    supervisor: User | None,
    started_on: date,
    created_by: User | None,
) -> Mentorship:
    """Pair a mentor with a mentee in the cohort, within the mentor's capacity."""
    # Lock the mentor's membership so two pairings cannot both take the last place.
    mentor_membership = (
        cohort.memberships.select_for_update()
        .filter(pk=_member(cohort, mentor, Role.MENTOR, "mentor").pk)
        .get()
    )
    mentee_membership = _member(cohort, mentee, Role.MENTEE, "mentee")
    if supervisor is not None:
        _member(cohort, supervisor, Role.SUPERVISOR, "supervisor")
    _check_pair(
        mentor=mentor,
        mentee=mentee,
        supervisor=supervisor,
        mentee_membership=mentee_membership,
    )
    if started_on < cohort.starts_on or started_on >= cohort.ends_on:
        raise ValidationError(
            {"started_on": _("The start date must fall within the cohort's dates.")}
        )
    active = cohort.mentorships.active()
    if active.filter(mentor=mentor, mentee=mentee).exists():
        raise ValidationError(
            {"mentee": _("This pair already has an active mentorship.")}
        )
    if active.filter(mentor=mentor).count() >= mentor_membership.capacity:
        raise ValidationError(
            {
                "mentor": _("%(name)s has no capacity left (%(capacity)d mentees).")
                % {"name": mentor, "capacity": mentor_membership.capacity}
            }
        )
    try:
        with transaction.atomic():
            return Mentorship.objects.create(
                cohort=cohort,
                mentor=mentor,
                mentee=mentee,
                supervisor=supervisor,
                started_on=started_on,
                created_by=created_by,
            )
    except IntegrityError:
        raise ValidationError(
            {"mentee": _("This pair already has an active mentorship.")}
        ) from None
