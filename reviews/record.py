"""The portable record of an ended mentorship: built once, rendered as JSON and as PDF.

`build_record` gathers what one party may take away, from the reads that guard it:
the signed agreement versions (both parties hold the agreement), the requester's own
notes through the guardian-checked `notes_visible_to`, the completed reviews, and for
the mentee alone the consent history. `record_json` and `record_pdf` render that one
`Record`, so the two files cannot disagree.

JSON schema "mentoring-record/1" (times ISO 8601 with offset, days ISO dates):

- ``schema``, ``generated_at``, ``requester`` {name, role}
- ``mentorship`` {id, program, cohort, mentor, mentee, supervisor, started_on,
  ended_on, ended_at, closed_by, closed_by_role, close_reason}
- ``agreement_versions``: the signed ones (effective, superseded), oldest first:
  {number, status, status_label, proposed_at, effective_at, superseded_at,
  content_hash, sections [{key, title, fields [{name, label, value, text}]}],
  criteria, exceptions, signatures [{name, role, signed_at, content_hash,
  ip_address, user_agent}]}; ``value`` is the stored value (as hashed), ``text``
  how a person reads it; ``ip_address`` and ``user_agent`` are null except on the
  requester's own signatures
- ``notes``: the requester's own notes not yet past expiry, oldest first:
  {id, created_at, expires_at, visibility, visibility_label, checkin_at, body}
- ``reviews``: the completed reviews, by due date: {id, due_on, agreement_version,
  completed_at, outcome, outcome_label, outcome_note, progress_means,
  setback_means, goal_adaptation, criteria [{description, target, mentee, mentor}],
  scorecard [{dimension, rating}]}; mentee and mentor are {status, status_label,
  rating, evidence} or null
- ``consents``: in the mentee's record only (the mentor's has no such key), oldest
  first: {id, supervisor, scope, scope_labels, summary, granted_at, granted_via,
  text_version, text, expires_at, ended_at, end_reason, end_reason_label,
  view_count, views [{at, kind, kind_label}]}
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from django.db.models import Field, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from weasyprint import HTML

from agreements.diff import LIST_CHOICES, SECTIONS
from agreements.models import AgreementVersion, Signature
from agreements.pdf import StaticFilesFetcher
from mentorship import notes
from mentorship.models import Mentorship, User
from reviews.models import (
    CriterionAssessment,
    ProgressReview,
    SummaryView,
    SupervisorConsent,
)

SCHEMA = "mentoring-record/1"
EMPTY = "—"


@dataclass(frozen=True)
class Party:
    name: str
    role: str


@dataclass(frozen=True)
class MentorshipFacts:
    id: UUID
    program: str
    cohort: str
    mentor: str
    mentee: str
    supervisor: str | None
    started_on: date
    ended_on: date | None
    ended_at: datetime | None
    closed_by: str | None
    closed_by_role: str | None
    close_reason: str


@dataclass(frozen=True)
class SectionField:
    name: str
    label: str
    value: Any
    text: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: list[SectionField]


@dataclass(frozen=True)
class Criterion:
    position: int
    description: str
    metric: str
    target: str
    due_on: date
    method: str
    method_label: str
    competency: str


@dataclass(frozen=True)
class ConfidentialityException:
    kind: str
    kind_label: str
    description: str


@dataclass(frozen=True)
class SignatureEntry:
    name: str
    role: str
    signed_at: datetime
    content_hash: str
    # The requester's own only: the other party's address and browser stay theirs.
    ip_address: str | None
    user_agent: str | None


@dataclass(frozen=True)
class VersionEntry:
    number: int
    status: str
    status_label: str
    proposed_at: datetime | None
    effective_at: datetime | None
    superseded_at: datetime | None
    content_hash: str
    sections: list[Section]
    criteria: list[Criterion]
    exceptions: list[ConfidentialityException]
    signatures: list[SignatureEntry]


@dataclass(frozen=True)
class NoteEntry:
    id: UUID
    created_at: datetime
    expires_at: datetime | None
    visibility: str
    visibility_label: str
    checkin_at: datetime | None
    body: str


@dataclass(frozen=True)
class PartyAssessment:
    status: str
    status_label: str
    rating: int
    evidence: str


@dataclass(frozen=True)
class CriterionResult:
    description: str
    target: str
    mentee: PartyAssessment | None
    mentor: PartyAssessment | None


@dataclass(frozen=True)
class Score:
    dimension: str
    rating: int


@dataclass(frozen=True)
class ReviewEntry:
    id: UUID
    due_on: date
    agreement_version: int | None
    completed_at: datetime | None
    outcome: str
    outcome_label: str
    outcome_note: str
    progress_means: str
    setback_means: str
    goal_adaptation: str
    criteria: list[CriterionResult]
    scorecard: list[Score]


@dataclass(frozen=True)
class ViewEntry:
    at: datetime
    kind: str
    kind_label: str


@dataclass(frozen=True)
class ConsentEntry:
    id: UUID
    supervisor: str
    scope: list[str]
    scope_labels: list[str]
    summary: str
    granted_at: datetime
    granted_via: str
    text_version: str
    text: str
    expires_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    end_reason_label: str
    view_count: int
    views: list[ViewEntry]


@dataclass(frozen=True)
class Record:
    schema: str
    generated_at: datetime
    requester: Party
    mentorship: MentorshipFacts
    agreement_versions: list[VersionEntry]
    notes: list[NoteEntry]
    reviews: list[ReviewEntry]
    # None in the mentor's record: consent is the mentee's alone.
    consents: list[ConsentEntry] | None


# --- Building -------------------------------------------------------------------------


def build_record(*, mentorship: Mentorship, requester: User) -> Record:
    """Return the requester's record of an ended mentorship they were a party to.

    Pass the mentorship with its people and program loaded (`with_people()`). The
    queries do not grow with the rows: versions, criteria, exceptions, signatures,
    notes, reviews, assessments, ratings, and for the mentee consents and views.
    """
    if mentorship.is_active or not mentorship.is_pair_member(requester):
        raise ValueError("A record is for a party of an ended mentorship.")
    now = timezone.now()
    is_mentee = requester.pk == mentorship.mentee_id
    return Record(
        schema=SCHEMA,
        generated_at=now,
        requester=Party(requester.full_name, str(mentorship.role_of(requester))),
        mentorship=_facts(mentorship),
        agreement_versions=_versions(mentorship, requester),
        notes=_notes(mentorship, requester, now),
        reviews=_reviews(mentorship),
        consents=_consents(mentorship) if is_mentee else None,
    )


def _facts(mentorship: Mentorship) -> MentorshipFacts:
    # Either party or a coordinator closed it (mentorship_close, revisit_agreement).
    # The pair are loaded already; only a coordinator costs a query.
    closer: User | None = None
    role = None
    if mentorship.ended_by_id == mentorship.mentor_id:
        closer, role = mentorship.mentor, "mentor"
    elif mentorship.ended_by_id == mentorship.mentee_id:
        closer, role = mentorship.mentee, "mentee"
    elif mentorship.ended_by_id is not None:
        closer, role = mentorship.ended_by, "coordinator"
    supervisor = mentorship.supervisor
    return MentorshipFacts(
        id=mentorship.public_id,
        program=mentorship.cohort.program.name,
        cohort=mentorship.cohort.name,
        mentor=mentorship.mentor.full_name,
        mentee=mentorship.mentee.full_name,
        supervisor=supervisor.full_name if supervisor else None,
        started_on=mentorship.started_on,
        ended_on=mentorship.ended_on,
        ended_at=mentorship.ended_at,
        closed_by=closer.full_name if closer else None,
        closed_by_role=role,
        close_reason=mentorship.close_reason,
    )


def _text(model_field: Field, value: Any) -> str:
    """Render a stored section value as a person reads it."""
    if value is None or value == "" or value == []:
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        choices = LIST_CHOICES.get(model_field.name)
        labels = dict(choices.choices) if choices else {}
        return ", ".join(str(labels.get(item, item)) for item in value)
    return str(value)


def _sections(version: AgreementVersion) -> list[Section]:
    sections = []
    for section in SECTIONS:
        fields = []
        for name in section.fields:
            model_field = cast(Field, AgreementVersion._meta.get_field(name))
            value = getattr(version, name)
            label = str(capfirst(model_field.verbose_name))
            fields.append(SectionField(name, label, value, _text(model_field, value)))
        if fields:
            sections.append(Section(section.key, str(section.title), fields))
    return sections


def _signature(signature: Signature, requester: User) -> SignatureEntry:
    own = signature.signer_id == requester.pk
    return SignatureEntry(
        name=signature.typed_name,
        role=signature.role,
        signed_at=signature.signed_at,
        content_hash=signature.content_hash,
        ip_address=signature.ip_address if own else None,
        user_agent=signature.user_agent if own else None,
    )


def _version(version: AgreementVersion, requester: User) -> VersionEntry:
    return VersionEntry(
        number=version.number,
        status=version.status,
        status_label=version.get_status_display(),
        proposed_at=version.proposed_at,
        effective_at=version.effective_at,
        superseded_at=version.superseded_at,
        content_hash=version.content_hash,
        sections=_sections(version),
        criteria=[
            Criterion(
                c.position,
                c.description,
                c.metric,
                c.target,
                c.due_on,
                c.method,
                c.get_method_display(),
                c.competency,
            )
            for c in version.criteria.all()
        ],
        exceptions=[
            ConfidentialityException(e.kind, e.get_kind_display(), e.description)
            for e in version.exceptions.all()
        ],
        # Signatures of earlier rounds were voided by an edit: not this version's.
        signatures=[
            _signature(s, requester)
            for s in version.signatures.all()
            if s.round == version.round
        ],
    )


def _versions(mentorship: Mentorship, requester: User) -> list[VersionEntry]:
    versions = (
        AgreementVersion.objects.filter(
            agreement__mentorship=mentorship, status__in=AgreementVersion.SIGNED
        )
        .order_by("number")
        .prefetch_related("criteria", "exceptions", "signatures")
    )
    return [_version(version, requester) for version in versions]


def _notes(mentorship: Mentorship, requester: User, now: datetime) -> list[NoteEntry]:
    # Through the guardian read, then the author's own only: a shared note of the
    # partner is theirs to take away, not the requester's. Past expiry is as good as
    # destroyed, even if the sweep has not run yet.
    own = (
        notes.notes_visible_to(requester, mentorship)
        .filter(author=requester)
        .filter(Q(expires_at=None) | Q(expires_at__gt=now))
        .order_by("created_at", "pk")
    )
    return [
        NoteEntry(
            id=note.public_id,
            created_at=note.created_at,
            expires_at=note.expires_at,
            visibility=note.visibility,
            visibility_label=note.get_visibility_display(),
            checkin_at=note.checkin.scheduled_at if note.checkin else None,
            body=note.body,
        )
        for note in own
    ]


def _party(assessment: CriterionAssessment | None) -> PartyAssessment | None:
    if assessment is None:
        return None
    return PartyAssessment(
        assessment.status,
        assessment.get_status_display(),
        assessment.rating,
        assessment.evidence,
    )


def _criteria_results(review: ProgressReview) -> list[CriterionResult]:
    by_criterion: dict[int, dict[str, CriterionAssessment]] = {}
    for assessment in review.assessments.all():
        by_criterion.setdefault(assessment.criterion_id, {})[assessment.role] = (
            assessment
        )
    results = []
    for parties in by_criterion.values():
        criterion = next(iter(parties.values())).criterion
        results.append(
            CriterionResult(
                criterion.description,
                criterion.target,
                _party(parties.get("mentee")),
                _party(parties.get("mentor")),
            )
        )
    return results


def _reviews(mentorship: Mentorship) -> list[ReviewEntry]:
    assessments = CriterionAssessment.objects.select_related("criterion")
    reviews = (
        mentorship.progress_reviews.filter(status=ProgressReview.Status.COMPLETED)
        .select_related("version")
        .prefetch_related(Prefetch("assessments", queryset=assessments), "ratings")
        .order_by("due_on", "pk")
    )
    return [
        ReviewEntry(
            id=review.public_id,
            due_on=review.due_on,
            agreement_version=review.version.number if review.version else None,
            completed_at=review.completed_at,
            outcome=review.outcome,
            outcome_label=review.get_outcome_display(),
            outcome_note=review.outcome_note,
            progress_means=review.progress_means,
            setback_means=review.setback_means,
            goal_adaptation=review.goal_adaptation,
            criteria=_criteria_results(review),
            scorecard=[Score(r.dimension, r.rating) for r in review.ratings.all()],
        )
        for review in reviews
    ]


def _consents(mentorship: Mentorship) -> list[ConsentEntry]:
    views = SummaryView.objects.order_by("viewed_at", "pk")
    consents = (
        SupervisorConsent.objects.filter(
            mentorship=mentorship, mentee_id=mentorship.mentee_id
        )
        .select_related("supervisor")
        .prefetch_related(Prefetch("views", queryset=views))
        .order_by("granted_at", "pk")
    )
    entries = []
    for consent in consents:
        seen = [
            ViewEntry(view.viewed_at, view.kind, view.get_kind_display())
            for view in consent.views.all()
        ]
        entries.append(
            ConsentEntry(
                id=consent.public_id,
                supervisor=consent.supervisor.full_name,
                scope=list(consent.scope),
                scope_labels=consent.scope_labels(),
                summary=consent.summary,
                granted_at=consent.granted_at,
                granted_via=consent.granted_via,
                text_version=consent.text_version,
                text=consent.text,
                expires_at=consent.expires_at,
                ended_at=consent.ended_at,
                end_reason=consent.end_reason,
                end_reason_label=consent.get_end_reason_display(),
                view_count=len(seen),
                views=seen,
            )
        )
    return entries


# --- Rendering ------------------------------------------------------------------------


def as_data(record: Record) -> dict[str, Any]:
    """Return the record as plain data, the mentor's without a consents key."""
    data = dataclasses.asdict(record)
    if record.consents is None:
        del data["consents"]
    return data


def _plain(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}")


def record_json(record: Record) -> bytes:
    """Return the record as UTF-8 JSON, schema "mentoring-record/1"."""
    text = json.dumps(as_data(record), indent=2, ensure_ascii=False, default=_plain)
    return text.encode("utf-8")


def record_pdf(record: Record, *, fetcher: StaticFilesFetcher | None = None) -> bytes:
    """Return the record as a PDF, rendered with the agreement PDF's locked-down
    fetcher: the only URLs it reads are the app's own static files. Pass a fetcher to
    inspect which URLs the rendering asked for."""
    if fetcher is None:
        fetcher = StaticFilesFetcher()
    html = render_to_string("pdf/record.html", {"record": record})
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    data: bytes = document.write_pdf(pdf_tags=True)
    return data
