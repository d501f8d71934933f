"""Write use cases of the program domain. Views, commands and tasks all come through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from mentorship import checkins, retention, signals, tasks
from mentorship.models import (
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    RevisitPrompt,
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
    """Change a program's description and defaults."""
    for name, value in fields.items():
        setattr(program, name, value)
    program.save(update_fields=[*fields, "updated_at"])
    return program


def _save_cohort(cohort: Cohort, update_fields: list[str] | None = None) -> Cohort:
    try:
        with transaction.atomic():
            cohort.save(update_fields=update_fields)
    except IntegrityError:
        # The same name saved at the same moment by another coordinator.
        raise ValidationError(
            {"name": _("This program already has a cohort with this name.")}
        ) from None
    return cohort


def create_cohort(*, program: Program, fields: dict[str, Any]) -> Cohort:
    """Create a cohort of the program."""
    return _save_cohort(Cohort(program=program, **fields))


@transaction.atomic
def update_cohort(*, cohort: Cohort, fields: dict[str, Any]) -> Cohort:
    """Change a cohort; its dates must still hold the start of every mentorship in it."""
    starts = cohort.mentorships.aggregate(
        first=Min("started_on"), last=Max("started_on")
    )
    new_start = fields.get("starts_on", cohort.starts_on)
    new_end = fields.get("ends_on", cohort.ends_on)
    if starts["first"] and new_start > starts["first"]:
        raise ValidationError(
            {
                "starts_on": _(
                    "A mentorship in this cohort started on %(date)s: "
                    "the cohort must start by then."
                )
                % {"date": date_format(starts["first"])}
            }
        )
    if starts["last"] and new_end <= starts["last"]:
        raise ValidationError(
            {
                "ends_on": _(
                    "A mentorship in this cohort started on %(date)s: "
                    "the cohort must end after it."
                )
                % {"date": date_format(starts["last"])}
            }
        )
    for name, value in fields.items():
        setattr(cohort, name, value)
    return _save_cohort(cohort, update_fields=[*fields, "updated_at"])


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
    *, cohort: Cohort, request: InvitationRequest, invited_by: User | None
) -> Invitation:
    if cohort.status == Cohort.Status.CLOSED:
        raise ValidationError(_("This cohort is closed: it takes no new people."))
    _check_invitable(cohort, request)
    now = timezone.now()
    fields = {
        "full_name": request.full_name,
        "supervisor_email": request.supervisor_email
        if request.role == Role.MENTEE
        else "",
        "invited_by": invited_by,
        "expires_at": now + timedelta(days=settings.INVITATION_VALID_DAYS),
        "sent_at": None,
    }
    # An expired invitation for the same person and role is renewed, not duplicated.
    lapsed = (
        cohort.invitations.open()
        .select_for_update()
        .filter(email=request.email, role=request.role, expires_at__lte=now)
        .first()
    )
    if lapsed is not None:
        for name, value in fields.items():
            setattr(lapsed, name, value)
        lapsed.save(update_fields=[*fields, "updated_at"])
        invitation = lapsed
    else:
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    cohort=cohort, email=request.email, role=request.role, **fields
                )
        except IntegrityError:
            # The same invitation submitted twice at once: the database kept one.
            raise ValidationError(
                {
                    "email": _(
                        "This person already has a pending invitation for this role."
                    )
                }
            ) from None
    _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: Invitation) -> None:
    # robust: an email that fails to go out is logged and leaves the invitation
    # "not sent yet" on the roster (to send again), without failing the request or
    # stopping the other invitations of an import.
    invitation_id = invitation.pk

    def send_invitation_email() -> None:
        tasks.send_invitation_email.delay(invitation_id=invitation_id)

    transaction.on_commit(send_invitation_email, robust=True)


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

    # Form fields by the name of their CSV column.
    COLUMNS = {"full_name": "name", "__all__": "row"}

    @classmethod
    def at(cls, line: int, field: str, message: object) -> RowError:
        return cls(line, cls.COLUMNS.get(field, field), str(message))


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
                errors.extend(RowError.at(line, field, message) for message in messages)
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
    """Withdraw an invitation that was not accepted; its link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation was already accepted."))
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


@sensitive_variables("password")
def _create_account(email: str, full_name: str, password: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email, password, full_name=full_name.strip()
            )
    except IntegrityError:
        # Another invitation to the same address was accepted at the same moment.
        raise ValidationError(
            _("An account for %(email)s was just created. Log in to join.")
            % {"email": email}
        ) from None


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


@sensitive_variables("password")
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
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending:
        raise InvitationUnusable(invitation.status)
    if user is None:
        user = _create_account(invitation.email, full_name, password)
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


def _active_mentees(membership: Membership) -> int:
    return membership.cohort.mentorships.active().filter(mentor=membership.user).count()


@transaction.atomic
def update_profile(*, membership: Membership, fields: dict[str, Any]) -> Membership:
    """Save a member's matching profile; a mentor keeps room for their current mentees."""
    # The same row lock as pair_mentorship: a pairing cannot slip in between the count
    # and the save of a smaller capacity.
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if "capacity" in fields and membership.role == Role.MENTOR:
        paired = _active_mentees(membership)
        if fields["capacity"] < paired:
            raise ValidationError(
                {
                    "capacity": ngettext(
                        "You already mentor %(count)d person in this cohort.",
                        "You already mentor %(count)d people in this cohort.",
                        paired,
                    )
                    % {"count": paired}
                }
            )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


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


def _check_people(*, mentor: User, mentee: Membership, supervisor: User | None) -> None:
    """Refuse self-mentoring, self-supervision and a supervisor the mentee did not name."""
    if mentor == mentee.user:
        raise ValidationError({"mentee": _("A person cannot mentor themselves.")})
    if mentee.supervisor_email and mentor.email == mentee.supervisor_email:
        raise ValidationError(
            {
                "mentor": _("%(name)s is this mentee's own supervisor.")
                % {"name": mentor}
            }
        )
    if supervisor is None:
        return
    if supervisor in (mentor, mentee.user):
        raise ValidationError(
            {"supervisor": _("The supervisor cannot be the mentor or the mentee.")}
        )
    if supervisor.email != mentee.supervisor_email:
        # Consent and summaries go to whoever is named here: only the line manager the
        # mentee's invitation named may be.
        raise ValidationError(
            {
                "supervisor": _("%(name)s is not the supervisor this mentee named.")
                % {"name": supervisor}
            }
        )


def _check_places(*, cohort: Cohort, mentor: Membership, mentee: User) -> None:
    active = cohort.mentorships.active()
    if active.filter(mentee=mentee).exists():
        raise ValidationError(
            {
                "mentee": _("%(name)s already has an active mentorship in this cohort.")
                % {"name": mentee}
            }
        )
    if _active_mentees(mentor) >= mentor.capacity:
        raise ValidationError(
            {
                "mentor": ngettext(
                    "%(name)s has no capacity left (%(capacity)d mentee).",
                    "%(name)s has no capacity left (%(capacity)d mentees).",
                    mentor.capacity,
                )
                % {"name": mentor.user, "capacity": mentor.capacity}
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
    if cohort.status == Cohort.Status.CLOSED:
        raise ValidationError(_("This cohort is closed: nobody can be paired in it."))
    # Lock the mentor's membership so two pairings cannot both take the last place.
    mentor_membership = Membership.objects.select_for_update().get(
        pk=_member(cohort, mentor, Role.MENTOR, "mentor").pk
    )
    mentee_membership = _member(cohort, mentee, Role.MENTEE, "mentee")
    if supervisor is not None:
        _member(cohort, supervisor, Role.SUPERVISOR, "supervisor")
    _check_people(mentor=mentor, mentee=mentee_membership, supervisor=supervisor)
    if not cohort.starts_on <= started_on < cohort.ends_on:
        raise ValidationError(
            {"started_on": _("The start date must fall within the cohort's dates.")}
        )
    _check_places(cohort=cohort, mentor=mentor_membership, mentee=mentee)
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
        # A concurrent pairing of the same mentee committed first.
        raise ValidationError(
            {
                "mentee": _("%(name)s already has an active mentorship in this cohort.")
                % {"name": mentee}
            }
        ) from None


# --- Operating terms ------------------------------------------------------------------


@dataclass(frozen=True)
class OperatingTerms:
    """The terms of a signed agreement that the rest of the program runs on."""

    effective_at: datetime
    cadence: str
    cadence_days: int | None
    review_cadence: str
    retention_days: int
    retention_anchor: str
    scorecard_dimensions: list[str]


def apply_terms(*, mentorship: Mentorship, terms: OperatingTerms) -> Mentorship:
    """Record the terms now in force on the mentorship (called by the agreements app).

    A changed cadence re-plans the check-ins still ahead; a changed retention rule
    re-computes the expiry of the notes kept; the reviews app re-plans its reviews.
    """
    cadence_changed = (mentorship.cadence, mentorship.cadence_days) != (
        terms.cadence,
        terms.cadence_days,
    )
    fields = {
        "has_signed_terms": True,
        "terms_effective_at": terms.effective_at,
        "cadence": terms.cadence,
        "cadence_days": terms.cadence_days,
        "review_cadence": terms.review_cadence,
        "retention_days": terms.retention_days,
        "retention_anchor": terms.retention_anchor,
        "scorecard_dimensions": list(terms.scorecard_dimensions),
    }
    for name, value in fields.items():
        setattr(mentorship, name, value)
    mentorship.save(update_fields=[*fields, "updated_at"])
    if cadence_changed:
        checkins.replan_series(mentorship=mentorship, after=terms.effective_at)
    retention.recompute_expiries(mentorship=mentorship, now=terms.effective_at)
    signals.terms_applied.send(sender=Mentorship, mentorship=mentorship, terms=terms)
    return mentorship


@transaction.atomic
def end_mentorship(
    *, mentorship: Mentorship, ended_by: User, reason: str = ""
) -> Mentorship:
    """Close the mentorship: no more check-ins ahead, no open revisit prompts or
    proposals awaiting signatures, and retention counted from now."""
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .with_people()
        .get(pk=mentorship.pk)
    )
    if not mentorship.is_active:
        raise ValidationError(_("This mentorship has already closed."))
    now = timezone.now()
    mentorship.status = Mentorship.Status.ENDED
    mentorship.ended_at = now
    mentorship.ended_on = max(timezone.localdate(now), mentorship.started_on)
    mentorship.ended_by = ended_by
    mentorship.close_reason = reason.strip()
    mentorship.save(
        update_fields=[
            *("status", "ended_at", "ended_on", "ended_by", "close_reason"),
            "updated_at",
        ]
    )
    checkins.cancel_ahead(
        mentorship=mentorship, actor=ended_by, after=now, reason=reason
    )
    mentorship.revisit_prompts.filter(outcome="").update(
        outcome=RevisitPrompt.Outcome.CLOSED,
        decided_by=ended_by,
        decided_at=now,
        updated_at=now,
    )
    signals.mentorship_ended.send(
        sender=Mentorship, mentorship=mentorship, ended_by=ended_by
    )
    retention.recompute_expiries(mentorship=mentorship, now=now)
    return mentorship
