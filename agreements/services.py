"""Write use cases of agreements: drafting, proposing, signing, amending.

Every write locks the Agreement row first, so the steps of one agreement happen one at
a time (two signatures at the same instant give exactly one transition to effective)
and its events get gap-free sequence numbers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import diff, hashing, notifications, pdf
from agreements.models import (
    Agreement,
    AgreementContent,
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    CohortTemplate,
    ConfidentialityException,
    Disclosure,
    RenderedPdf,
    Signature,
    SuccessCriterion,
)
from mentorship import checkins
from mentorship import services as mentorship_services
from mentorship.models import Cohort, Mentorship, Program, RevisitPrompt, Role, User

# The statement a signer ticks; its version is stored with every signature.
INTENT_VERSION = "2026-11"
INTENT_TEXT = gettext_lazy(
    "I have read this version of our mentoring agreement and I sign it as a record of "
    "what we agreed. I know either of us can propose changes under its renegotiation "
    "terms."
)

Kind = AgreementEvent.Kind
Status = AgreementVersion.Status


@dataclass(frozen=True)
class SigningMeta:
    """Where a signature came from, as the request saw it."""

    ip_address: str | None
    user_agent: str


@dataclass
class Draft:
    """The content of a draft as a form submits it: sections, criteria, exceptions."""

    sections: dict[str, Any]
    criteria: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)


def _lock(agreement: Agreement) -> Agreement:
    # The mentorship first, then the agreement: the order end_mentorship takes them
    # in, so closing cannot slip between a step's check and its write.
    Mentorship.objects.select_for_update().filter(pk=agreement.mentorship_id).first()
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _check_active(mentorship: Mentorship) -> None:
    """Refuse to change the terms of a mentorship that has closed."""
    if not mentorship.is_active:
        raise ValidationError(
            _("This mentorship has closed: its agreement can no longer change.")
        )


def _locked_version(version: AgreementVersion) -> AgreementVersion:
    _lock(version.agreement)
    return (
        AgreementVersion.objects.select_related("agreement__mentorship", "amends")
        .prefetch_related("criteria", "exceptions")
        .get(pk=version.pk)
    )


def _append_event(
    version: AgreementVersion,
    kind: str,
    actor: User | None,
    signature: Signature | None = None,
    at: datetime | None = None,
) -> AgreementEvent:
    """Add the next event of the agreement's chain (the agreement row is locked)."""
    last = version.agreement.events.order_by("-sequence").first()
    event = AgreementEvent(
        agreement=version.agreement,
        version=version,
        sequence=(last.sequence + 1) if last else 1,
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        content_hash=version.content_hash,
        previous_hash=last.hash if last else "",
    )
    if signature is not None:
        signature.previous_event_hash = event.previous_hash
        signature.signed_at = event.at
    event.hash = hashing.event_hash(event, signature)
    event.save()
    if signature is not None:
        signature.event = event
        signature.save()
    return event


def _party_role(version: AgreementVersion, user: User) -> str:
    role = version.agreement.mentorship.role_of(user)
    if role not in (Role.MENTOR, Role.MENTEE):
        raise PermissionDenied
    return str(role)


# --- Starting and drafting ------------------------------------------------------------


def _starting_content(mentorship: Mentorship) -> tuple[dict[str, Any], list[dict]]:
    """Sections and exceptions from the cohort's template, else the program's defaults."""
    choice = CohortTemplate.objects.filter(cohort=mentorship.cohort).first()
    if choice is not None:
        template = choice.template
        return template.content(), list(template.default_exceptions)
    return program_defaults(mentorship.cohort.program), []


def program_defaults(program: Program) -> dict[str, Any]:
    """The sections a program sets for agreements that have no template."""
    return {
        "cadence": program.default_cadence,
        "cadence_days": program.default_cadence_days,
        "retention_days": program.default_retention_days,
        "review_cadence": program.default_review_cadence,
        "scorecard_dimensions": list(program.scorecard_dimensions),
    }


@transaction.atomic
def start_agreement(*, mentorship: Mentorship, actor: User) -> Agreement:
    """Open the mentorship's agreement with a first draft from the cohort's template."""
    if mentorship.role_of(actor) not in (Role.MENTOR, Role.MENTEE):
        raise PermissionDenied
    locked = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    existing = Agreement.objects.filter(mentorship=mentorship).first()
    if existing is not None:
        return existing
    _check_active(locked)
    agreement = Agreement.objects.create(mentorship=mentorship)
    sections, exceptions = _starting_content(mentorship)
    version = AgreementVersion.objects.create(
        agreement=agreement, number=1, last_edited_by=actor, **sections
    )
    _replace_rows(version, criteria=[], exceptions=exceptions)
    return agreement


def _replace_rows(
    version: AgreementVersion, *, criteria: list[dict], exceptions: list[dict]
) -> None:
    version.criteria.all().delete()
    version.exceptions.all().delete()
    SuccessCriterion.objects.bulk_create(
        SuccessCriterion(version=version, position=i, **row)
        for i, row in enumerate(criteria, start=1)
    )
    ConfidentialityException.objects.bulk_create(
        ConfidentialityException(version=version, position=i, **row)
        for i, row in enumerate(exceptions, start=1)
    )


@transaction.atomic
def update_draft(
    *,
    version: AgreementVersion,
    editor: User,
    draft: Draft,
    seen_updated_at: datetime | None = None,
) -> AgreementVersion:
    """Save a party's edit. Editing a proposed version returns it to draft.

    With seen_updated_at (when the editor loaded the draft), a save over a change the
    other party made meanwhile is refused rather than silently overwriting it.
    """
    version = _locked_version(version)
    _party_role(version, editor)
    _check_active(version.agreement.mentorship)
    if not version.is_open:
        raise ValidationError(_("This version is no longer open for changes."))
    if seen_updated_at is not None and version.updated_at != seen_updated_at:
        raise ValidationError(
            _(
                "%(name)s changed this draft after you opened it. Your text is kept below: "
                "open the draft again in another tab to see their change, then save."
            )
            % {"name": version.last_edited_by or _("The other party")}
        )
    unknown = set(draft.sections) - set(AgreementContent.CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"not agreement sections: {sorted(unknown)}")
    before = _snapshot(version)
    after = {
        **before,
        **draft.sections,
        "criteria": draft.criteria,
        "exceptions": draft.exceptions,
    }
    changed = _changed_sections(before, after)
    if not changed:
        return version  # saved as it was: a proposal and its signatures stand
    if version.status == Status.PROPOSED:
        _withdraw(version, editor)
    for name, value in draft.sections.items():
        setattr(version, name, value)
    stamp = {"by": editor.pk, "at": timezone.now().isoformat()}
    for key in changed:
        version.section_edits[key] = stamp
    version.last_edited_by = editor
    version.save(
        update_fields=[
            *draft.sections,
            "status",
            "content_hash",
            "mentor_waived_notice",
            "mentee_waived_notice",
            "last_edited_by",
            "section_edits",
            "updated_at",
        ]
    )
    _replace_rows(version, criteria=draft.criteria, exceptions=draft.exceptions)
    return version


def _withdraw(version: AgreementVersion, actor: User | None) -> None:
    """Return a proposed version to draft (the caller saves it).

    Its signatures belong to the proposal round now ending: they stop counting.
    """
    _append_event(version, Kind.WITHDRAWN, actor)
    version.status = Status.DRAFT
    version.content_hash = ""
    version.mentor_waived_notice = version.mentee_waived_notice = False


def _snapshot(version: AgreementVersion) -> dict[str, Any]:
    """The version's content in the shape a Draft submits it, to compare."""
    return {
        **version.content(),
        "rationale": version.rationale,
        "criteria": [
            {name: getattr(c, name) for name in SuccessCriterion.FIELDS}
            for c in version.criteria.all()
        ],
        "exceptions": [
            {name: getattr(e, name) for name in ConfidentialityException.FIELDS}
            for e in version.exceptions.all()
        ],
    }


def _changed_sections(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [
        section.key
        for section in diff.SECTIONS
        if any(
            before.get(name) != after.get(name)
            for name in (*section.fields, *([section.rows] if section.rows else []))
        )
    ]


# --- Proposing, signing, taking effect ------------------------------------------------


def _check_complete(version: AgreementVersion) -> None:
    problems = []
    if not version.purpose.strip():
        problems.append(_("Write the shared purpose."))
    if not version.criteria.exists():
        problems.append(_("Add at least one success criterion."))
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def propose(*, version: AgreementVersion, actor: User) -> AgreementVersion:
    """Freeze the draft and ask both parties to sign it."""
    version = _locked_version(version)
    _party_role(version, actor)
    _check_active(version.agreement.mentorship)
    if version.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be proposed."))
    _check_complete(version)
    now = timezone.now()
    version.status = Status.PROPOSED
    version.round += 1
    version.proposed_at = now
    version.content_hash = hashing.content_hash(version)
    if version.amends is not None:
        notice = timedelta(days=version.amends.notice_days)
        version.earliest_effective_at = now + notice
    version.save(
        update_fields=[
            "status",
            "round",
            "proposed_at",
            "content_hash",
            "earliest_effective_at",
            "updated_at",
        ]
    )
    _append_event(version, Kind.PROPOSED, actor, at=now)
    return version


def _names_match(typed: str, full_name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(full_name.split()).casefold()


@transaction.atomic
def sign(
    *,
    version: AgreementVersion,
    signer: User,
    password: str,
    typed_name: str,
    seen_hash: str,
    intent_accepted: bool,
    meta: SigningMeta,
) -> Signature:
    """Record the signer's signature; the second one makes the version effective."""
    version = _locked_version(version)
    role = _party_role(version, signer)
    _check_active(version.agreement.mentorship)
    if version.status != Status.PROPOSED:
        raise ValidationError(_("This version is not awaiting signatures."))
    if version.content_hash != seen_hash:
        raise ValidationError(
            _(
                "The agreement changed after you opened it. Read it again before signing."
            )
        )
    errors: dict[str, str] = {}
    if not signer.check_password(password):
        errors["password"] = _("This is not your password.")
    if not _names_match(typed_name, signer.full_name):
        errors["typed_name"] = _("Type your full name as it appears on your account.")
    if not intent_accepted:
        errors["intent"] = _("Tick the statement to sign.")
    if errors:
        raise ValidationError(errors)
    if version.signatures.filter(round=version.round, role=role).exists():
        raise ValidationError(_("You have already signed this version."))
    signature = Signature(
        version=version,
        signer=signer,
        round=version.round,
        role=role,
        typed_name=" ".join(typed_name.split()),
        email=signer.email,
        # Hashed as the database will store it (an IPv6 address in its short form).
        ip_address=_normalised_ip(meta.ip_address),
        user_agent=meta.user_agent[:500],
        content_hash=version.content_hash,
        intent_version=INTENT_VERSION,
    )
    _append_event(version, Kind.SIGNED, signer, signature=signature)
    _take_effect_if_due(version)
    return signature


def _normalised_ip(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


@transaction.atomic
def waive_notice(*, version: AgreementVersion, party: User) -> AgreementVersion:
    """Record one party's waiver of the notice period; both are needed."""
    version = _locked_version(version)
    role = _party_role(version, party)
    _check_active(version.agreement.mentorship)
    if version.status != Status.PROPOSED or not version.amends_id:
        raise ValidationError(_("Only a proposed amendment has a notice period."))
    flag = "mentor_waived_notice" if role == Role.MENTOR else "mentee_waived_notice"
    if not getattr(version, flag):
        setattr(version, flag, True)
        version.save(update_fields=[flag, "updated_at"])
        _append_event(version, Kind.NOTICE_WAIVED, party)
    _take_effect_if_due(version)
    return version


def _is_fully_signed(version: AgreementVersion) -> bool:
    roles = set(
        version.signatures.filter(round=version.round).values_list("role", flat=True)
    )
    return roles == {Role.MENTOR, Role.MENTEE}


def _take_effect_if_due(version: AgreementVersion) -> None:
    if not _is_fully_signed(version):
        return
    now = timezone.now()
    due = version.earliest_effective_at
    if due and now < due and not version.notice_waived:
        return  # activate_due_versions() makes it effective when the notice ends
    in_force = version.agreement.versions.filter(status=Status.EFFECTIVE).first()
    if in_force is not None:
        in_force.status = Status.SUPERSEDED
        in_force.superseded_at = now
        in_force.save(update_fields=["status", "superseded_at", "updated_at"])
        _append_event(in_force, Kind.SUPERSEDED, None, at=now)
    version.status = Status.EFFECTIVE
    version.effective_at = now
    version.save(update_fields=["status", "effective_at", "updated_at"])
    _append_event(version, Kind.EFFECTIVE, None, at=now)
    mentorship_services.apply_terms(
        mentorship=version.agreement.mentorship,
        terms=mentorship_services.OperatingTerms(
            effective_at=now,
            cadence=version.cadence,
            cadence_days=version.cadence_days,
            review_cadence=version.review_cadence,
            retention_days=version.retention_days,
            retention_anchor=version.retention_anchor,
            scorecard_dimensions=version.scorecard_dimensions,
        ),
    )


def activate_due_versions(*, now: datetime | None = None) -> int:
    """Make effective every fully signed amendment whose notice has ended, unless
    its mentorship has closed meanwhile."""
    now = now or timezone.now()
    due = AgreementVersion.objects.filter(
        status=Status.PROPOSED,
        earliest_effective_at__lte=now,
        agreement__mentorship__status=Mentorship.Status.ACTIVE,
    ).values_list("pk", flat=True)
    activated = 0
    for pk in due:
        with transaction.atomic():
            version = _locked_version(AgreementVersion.objects.get(pk=pk))
            if (
                version.status == Status.PROPOSED
                and version.agreement.mentorship.is_active
                and _is_fully_signed(version)
            ):
                _take_effect_if_due(version)
                activated += version.status == Status.EFFECTIVE
    return activated


@transaction.atomic
def withdraw_open_proposal(*, mentorship: Mentorship, actor: User | None) -> int:
    """Return a closed mentorship's version awaiting signatures to draft, so it can
    never take effect; return how many were withdrawn (0 or 1)."""
    agreement = Agreement.objects.filter(mentorship=mentorship).first()
    if agreement is None:
        return 0
    _lock(agreement)
    proposed = agreement.versions.filter(status=Status.PROPOSED).first()
    if proposed is None:
        return 0
    _withdraw(proposed, actor)
    proposed.save(
        update_fields=[
            "status",
            "content_hash",
            "mentor_waived_notice",
            "mentee_waived_notice",
            "updated_at",
        ]
    )
    return 1


# --- Amendments -----------------------------------------------------------------------


@transaction.atomic
def propose_amendment(
    *, agreement: Agreement, actor: User, rationale: str
) -> AgreementVersion:
    """Open a draft amendment of the version in force, with the reason for it."""
    agreement = _lock(agreement)
    if agreement.mentorship.role_of(actor) not in (Role.MENTOR, Role.MENTEE):
        raise PermissionDenied
    _check_active(agreement.mentorship)
    if not rationale.strip():
        raise ValidationError({"rationale": _("Say why the agreement should change.")})
    in_force = agreement.versions.filter(status=Status.EFFECTIVE).first()
    if in_force is None:
        raise ValidationError(_("Only an agreement in effect can be amended."))
    if agreement.versions.filter(status__in=AgreementVersion.OPEN).exists():
        raise ValidationError(_("An amendment is already open: finish it first."))
    number = agreement.versions.count() + 1  # numbers run 1, 2, 3... without gaps
    amendment = AgreementVersion.objects.create(
        agreement=agreement,
        number=number,
        amends=in_force,
        rationale=rationale.strip(),
        last_edited_by=actor,
        **in_force.content(),
    )
    _replace_rows(
        amendment,
        criteria=[
            {name: getattr(c, name) for name in SuccessCriterion.FIELDS}
            for c in in_force.criteria.all()
        ],
        exceptions=[
            {name: getattr(e, name) for name in ConfidentialityException.FIELDS}
            for e in in_force.exceptions.all()
        ],
    )
    _append_event(amendment, Kind.AMENDMENT_PROPOSED, actor)
    return amendment


# --- Documents ------------------------------------------------------------------------


def deliver_pdf(*, version: AgreementVersion) -> tuple[bytes, str]:
    """Render a signed version's PDF and record its digest for later verification."""
    if version.status not in AgreementVersion.SIGNED:
        raise ValidationError(_("Only a signed version has a PDF."))
    data, digest = pdf.render_agreement_pdf(version)
    RenderedPdf.objects.get_or_create(sha256=digest, defaults={"version": version})
    return data, digest


# --- Disclosures ----------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureRequest:
    exception: ConfidentialityException
    disclosed_to: str
    disclosed_on: date
    description: str
    other_party_informed_on: date | None


@transaction.atomic
def record_disclosure(
    *, agreement: Agreement, recorded_by: User, request: DisclosureRequest
) -> Disclosure:
    """Record that a confidentiality exception was invoked, and tell the other party."""
    agreement = _lock(agreement)
    if agreement.mentorship.role_of(recorded_by) not in (Role.MENTOR, Role.MENTEE):
        raise PermissionDenied
    in_force = agreement.versions.filter(status=Status.EFFECTIVE).first()
    if in_force is None or request.exception.version_id != in_force.pk:
        raise ValidationError(
            {"exception": _("Choose an exception of the agreement in force.")}
        )
    disclosure = Disclosure.objects.create(
        agreement=agreement,
        exception=request.exception,
        recorded_by=recorded_by,
        disclosed_to=request.disclosed_to,
        disclosed_on=request.disclosed_on,
        description=request.description,
        other_party_informed_on=request.other_party_informed_on,
    )
    disclosure_id = disclosure.pk

    def notify_other_party() -> None:
        notifications.notify_disclosure.delay(disclosure_id=disclosure_id)

    transaction.on_commit(notify_other_party, robust=True)
    return disclosure


# --- Templates ------------------------------------------------------------------------


@transaction.atomic
def save_template(
    *,
    program: Program,
    template: AgreementTemplate | None,
    fields: dict[str, Any],
    exceptions: list[dict[str, Any]],
) -> AgreementTemplate:
    """Create or change a program's agreement template and its default exceptions."""
    existing = template is not None
    template = template or AgreementTemplate(program=program)
    for name, value in fields.items():
        setattr(template, name, value)
    template.default_exceptions = exceptions
    if existing:
        template.save(update_fields=[*fields, "default_exceptions", "updated_at"])
    else:
        template.save()
    return template


def choose_cohort_template(
    *, cohort: Cohort, template: AgreementTemplate | None
) -> None:
    """Name the template the cohort's new agreements start from (None: the defaults)."""
    if template is None:
        CohortTemplate.objects.filter(cohort=cohort).delete()
        return
    if template.program_id != cohort.program_id:
        raise ValidationError({"template": _("Choose a template of this program.")})
    CohortTemplate.objects.update_or_create(
        cohort=cohort, defaults={"template": template}
    )


# --- Revisiting the agreement ---------------------------------------------------------


@transaction.atomic
def revisit_agreement(
    *, prompt: RevisitPrompt, actor: User, outcome: str, note: str
) -> AgreementVersion | None:
    """Record what the pair decided when prompted to revisit their agreement.

    Amended opens an amendment draft (the note is its rationale) and returns it;
    closed closes the mentorship. Nothing is recorded if either step is refused.
    """
    mentorship = Mentorship.objects.select_for_update().get(pk=prompt.mentorship_id)
    if not mentorship.is_pair_member(actor):
        raise PermissionDenied
    if not mentorship.is_active:
        raise ValidationError(
            _("This mentorship has closed: there is no agreement left to revisit.")
        )
    amendment = None
    if outcome == RevisitPrompt.Outcome.AMENDED:
        agreement = Agreement.objects.filter(mentorship=mentorship).first()
        if agreement is None:
            raise ValidationError(_("Only an agreement in effect can be amended."))
        amendment = propose_amendment(agreement=agreement, actor=actor, rationale=note)
    # Decided before closing: closing settles every prompt still open.
    checkins.decide_revisit(prompt=prompt, actor=actor, outcome=outcome, note=note)
    if outcome == RevisitPrompt.Outcome.CLOSED:
        mentorship_services.end_mentorship(
            mentorship=mentorship, ended_by=actor, reason=note
        )
    return amendment
