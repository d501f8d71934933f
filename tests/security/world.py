"""One world for the security tests: the cast, four pairs, and a URL for every route.

Program P (coordinator) runs cohort C with pair A (mentor, mentee; their supervisor
holds an active consent), pair B (same supervisor, no consent) and pair A-ended (the
same two people, closed). Program P2 (other_coordinator) runs cohort C2 with pair X.
Staff, a superuser and an outsider hold no program role.

Relations name an object from the cast's side: `own` is pair A's (or C, P), `partner`
the other party's (authored objects), `same_cohort` pair B's, `other_cohort` pair X's
(or C2, P2), `ended` pair A-ended's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import AgreementTemplate
from mentorship import account, notes
from mentorship import services as mentorship_services
from mentorship.models import (
    CheckIn,
    DestructionRecord,
    FeedbackItem,
    Invitation,
    Mentorship,
    RevisitPrompt,
    ScorecardRating,
    ToolkitEntry,
    User,
)
from mentorship.toolkit import contribute_entry, decline_entry, publish_entry
from reviews import services as review_services
from tests import factories
from tests.reviews.helpers import grant

ROLES = [
    "anonymous",
    "mentee",
    "mentor",
    "supervisor_with_consent",
    "supervisor_without_consent",
    "coordinator",
    "other_coordinator",
    "staff",
    "superuser",
    "outsider",
]
# The user behind each role (supervisor_without_consent: A's consent is withdrawn).
ROLE_USERS = {
    "supervisor_with_consent": "supervisor",
    "supervisor_without_consent": "supervisor",
}
MISSING = "missing"  # an id that names nothing

# What each route addresses: the kind of object its URL carries, or None.
ROUTE_OBJECTS: dict[str, str | None] = {
    "home": None,
    "healthz": None,
    "login": None,
    "logout": None,
    "password_change": None,
    "password_change_done": None,
    "password_reset": None,
    "password_reset_done": None,
    "password_reset_confirm": "reset_token",
    "password_reset_complete": None,
    "mentorship:program_list": None,
    "mentorship:program_create": None,
    "mentorship:program_detail": "program",
    "mentorship:program_edit": "program",
    "mentorship:cohort_create": "program",
    "mentorship:cohort_detail": "cohort",
    "mentorship:cohort_edit": "cohort",
    "mentorship:profile": "profile",
    "mentorship:invite": "cohort",
    "mentorship:invitation_import": "cohort",
    "mentorship:invitation_template": "cohort",
    "mentorship:pairing": "cohort",
    "mentorship:invitation_resend": "invitation",
    "mentorship:invitation_revoke": "invitation",
    "mentorship:invitation_accept": "invitation_token",
    "mentorship:mentorship_detail": "mentorship",
    "mentorship:mentorship_close": "mentorship",
    "mentorship:meeting_time": "mentorship",
    "mentorship:checkin_add": "mentorship",
    "mentorship:checkin_detail": "checkin",
    "mentorship:checkin_record": "checkin",
    "mentorship:checkin_reschedule": "checkin",
    "mentorship:checkin_cancel": "checkin",
    "mentorship:cohort_activity": "cohort",
    "mentorship:note_list": "mentorship",
    "mentorship:note_create": "mentorship",
    "mentorship:note_export": "mentorship",
    "mentorship:note_detail": "note",
    "mentorship:note_edit": "note",
    "mentorship:note_delete": "note",
    "mentorship:destruction_records": "cohort",
    "mentorship:toolkit_list": "program",
    "mentorship:toolkit_create": "program",
    "mentorship:toolkit_review": "program",
    "mentorship:toolkit_publish": "toolkit_entry",
    "mentorship:toolkit_decline": "toolkit_entry",
    "mentorship:preferences": None,
    "mentorship:calendar_token": None,
    "mentorship:calendar_feed": "calendar_token",
    "agreements:detail": "mentorship",
    "agreements:start": "mentorship",
    "agreements:amend": "mentorship",
    "agreements:compare": "mentorship",
    "agreements:disclose": "mentorship",
    "agreements:verify": None,
    "agreements:templates": "program",
    "agreements:template_create": "program",
    "agreements:template_edit": "template",
    "agreements:cohort_template": "cohort",
    "agreements:cohort_states": "cohort",
    "agreements:pdf": "version",
    "agreements:edit": "amendment",
    "agreements:propose": "amendment",
    "agreements:sign": "amendment",
    "agreements:waive_notice": "amendment",
    "agreements:revisit": "revisit",
    "reviews:list": "mentorship",
    "reviews:detail": "review",
    "reviews:assess": "review",
    "reviews:complete": "review",
    "reviews:consent": "mentorship",
    "reviews:withdraw": "mentorship",
    "reviews:preview": "mentorship",
    "reviews:supervision": None,
    "reviews:summary": "mentorship",
    "reviews:summary_export": "mentorship",
    "reviews:record": "mentorship",
    "reviews:record_json": "mentorship",
    "reviews:record_pdf": "mentorship",
    "reviews:cohort_dashboard": "cohort",
    "reviews:cohort_dashboard_csv": "cohort",
    "reviews:cohort_report_pdf": "cohort",
}


@dataclass
class Pair:
    mentorship: Mentorship
    version: Any  # the effective version
    amendment: Any = None  # a proposed amendment, awaiting signatures
    checkin: CheckIn | None = None  # the next planned check-in
    held: CheckIn | None = None  # a check-in held three days ago
    notes: dict[str, Any] = field(default_factory=dict)  # "mentor_private", ...
    review: Any = None
    revisit: RevisitPrompt | None = None


@dataclass
class World:
    users: dict[str, User]
    programs: dict[str, Any]
    cohorts: dict[str, Any]
    pairs: dict[str, Pair]
    invitations: dict[str, Invitation]
    templates: dict[str, AgreementTemplate]
    entries: dict[str, ToolkitEntry]
    consents: dict[str, Any]

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        return self.users[ROLE_USERS.get(role, role)]

    # --- URLs ---------------------------------------------------------------------

    def url(self, name: str, relation: str = "own", role: str = "mentor") -> str:
        """The URL of the route for the object in that relation, seen by that role."""
        kind = ROUTE_OBJECTS[name]
        if kind is None:
            return reverse(name)
        return reverse(name, kwargs=self.kwargs(kind, relation, role))

    def kwargs(self, kind: str, relation: str, role: str) -> dict[str, Any]:
        missing = relation == MISSING
        if kind == "reset_token":
            return {"uidb64": "MQ", "token": "no-such-token"}
        if kind == "calendar_token":
            owner = "mentor_x" if relation == "other_cohort" else "mentor"
            token = "no-such-feed" if missing else self.users[owner].calendar_token
            return {"token": token}
        if kind == "invitation_token":
            invitation = self.invitations[_place(relation)]
            return {"token": "no-such-token" if missing else invitation.make_token()}
        if kind == "profile":
            cohort = self.cohorts[_place(relation)]
            return {
                "public_id": uuid.uuid4() if missing else cohort.public_id,
                "role": _profile_role(relation, role),
            }
        obj = None if missing else self.object(kind, relation, role)
        return {"public_id": uuid.uuid4() if obj is None else obj.public_id}

    def object(self, kind: str, relation: str, role: str) -> Any:
        place = _place(relation)
        simple = {
            "program": self.programs,
            "cohort": self.cohorts,
            "invitation": self.invitations,
            "template": self.templates,
            "toolkit_entry": self.entries,
        }
        if kind in simple:
            return simple[kind][place]
        pair = self.pairs[_pair_key(relation)]
        if kind == "note":
            return pair.notes[_note_key(relation, role)]
        return {
            "mentorship": pair.mentorship,
            "version": pair.version,
            "amendment": pair.amendment,
            "checkin": pair.checkin,
            "review": pair.review,
            "revisit": pair.revisit,
        }[kind]


def _place(relation: str) -> str:
    return "other" if relation == "other_cohort" else "own"


def _pair_key(relation: str) -> str:
    return {"partner": "own", "partner_private": "own"}.get(relation, relation)


def _note_key(relation: str, role: str) -> str:
    """Own: the actor's private note; partner: the other party's (shared) note.

    For anyone outside pair A, 'own' is the mentor's shared note and 'partner' the
    mentee's; another pair's note is its mentor's shared one.
    """
    me, other = ("mentee", "mentor") if role == "mentee" else ("mentor", "mentee")
    in_pair = role in ("mentor", "mentee")
    if relation == "own":
        return f"{me}_private" if in_pair else "mentor_shared"
    if relation == "partner":
        return f"{other}_shared"
    if relation == "partner_private":
        return f"{other}_private"
    return "mentor_shared"


def _profile_role(relation: str, role: str) -> str:
    """Own: the role the actor holds (mentee for anyone else); partner: the other one."""
    mine = "mentor" if role == "mentor" else "mentee"
    if relation == "partner":
        return "mentee" if mine == "mentor" else "mentor"
    return mine


# --- Building -------------------------------------------------------------------------


def build() -> World:
    """Build the world through the services, as people would have."""
    f = factories
    users = {
        "coordinator": f.UserFactory(full_name="Cora Coordinator", coordinator=True),
        "other_coordinator": f.UserFactory(full_name="Otto Other", coordinator=True),
        "staff": f.UserFactory(full_name="Stan Staff", is_staff=True),
        "superuser": f.UserFactory(
            full_name="Suzy Super", is_staff=True, is_superuser=True
        ),
        "outsider": f.UserFactory(full_name="Olive Outsider"),
    }
    programs = {
        "own": f.ProgramFactory(coordinators=[users["coordinator"]]),
        "other": f.ProgramFactory(coordinators=[users["other_coordinator"]]),
    }
    cohorts = {key: f.CohortFactory(program=p) for key, p in programs.items()}
    c, c2 = cohorts["own"], cohorts["other"]
    people = [
        ("mentor", c, "mentor", ""),
        ("supervisor", c, "supervisor", ""),
        ("mentee", c, "mentee", "supervisor"),
        ("mentor_b", c, "mentor", ""),
        ("mentee_b", c, "mentee", "supervisor"),
        ("mentor_x", c2, "mentor", ""),
        ("supervisor_x", c2, "supervisor", ""),
        ("mentee_x", c2, "mentee", "supervisor_x"),
    ]
    for key, cohort, role, boss in people:
        users[key] = f.UserFactory(full_name=key.replace("_", " ").title())
        f.MembershipFactory(
            cohort=cohort,
            user=users[key],
            role=role,
            supervisor_email=users[boss].email if boss else "",
        )
    u = users
    pairs = {
        "ended": _pair("ended", c, u["mentor"], u["mentee"], u["supervisor"]),
        "own": _pair("own", c, u["mentor"], u["mentee"], u["supervisor"]),
        "same_cohort": _pair(
            "same_cohort", c, u["mentor_b"], u["mentee_b"], u["supervisor"]
        ),
        "other_cohort": _pair(
            "other_cohort", c2, u["mentor_x"], u["mentee_x"], u["supervisor_x"]
        ),
    }
    consents = {
        "own": grant(pairs["own"].mentorship),
        "other_cohort": grant(pairs["other_cohort"].mentorship),
    }
    for key in ("mentor", "mentee", "mentor_x"):
        account.turn_on_calendar_feed(user=users[key])
        users[key].refresh_from_db()
    return World(
        users=users,
        programs=programs,
        cohorts=cohorts,
        pairs=pairs,
        invitations={k: f.InvitationFactory(cohort=v) for k, v in cohorts.items()},
        templates={
            k: AgreementTemplate.objects.create(
                program=p,
                name=f"Template of {p.name}",
                **agreement_services.program_defaults(p),
            )
            for k, p in programs.items()
        },
        entries=_toolkit(programs, users),
        consents=consents,
    )


def _pair(key: str, cohort, mentor, mentee, supervisor) -> Pair:
    mentorship = factories.pair(
        cohort=cohort, mentor=mentor, mentee=mentee, supervisor=supervisor
    )
    version = factories.effective_agreement(mentorship)
    mentorship.refresh_from_db()
    pair = Pair(mentorship=mentorship, version=version)
    pair.held = _held_checkin(mentorship, key)
    for author in (mentor, mentee):
        role = "mentor" if author == mentor else "mentee"
        for visibility in ("private", "shared"):
            pair.notes[f"{role}_{visibility}"] = notes.create_note(
                mentorship=mentorship,
                author=author,
                body=f"Note of {key}: {role}, {visibility}.",
                visibility=visibility,
                checkin=pair.held,
            )
    DestructionRecord.objects.create(
        mentorship=mentorship,
        note_count=2,
        oldest_created_at=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        newest_created_at=datetime(2024, 5, 20, 9, 0, tzinfo=UTC),
        retention_days=365,
        retention_anchor="written",
        due_at=datetime(2025, 5, 1, 9, 0, tzinfo=UTC),
        run_at=datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
        verified=True,
    )
    agreement_services.record_disclosure(
        agreement=version.agreement,
        recorded_by=mentor,
        request=agreement_services.DisclosureRequest(
            exception=version.exceptions.first(),
            disclosed_to="Safeguarding lead",
            disclosed_on=timezone.localdate(),
            description="A risk of harm.",
            other_party_informed_on=None,
        ),
    )
    if key == "ended":
        mentorship_services.end_mentorship(mentorship=mentorship, ended_by=mentor)
        mentorship.refresh_from_db()
        return pair
    amendment = agreement_services.propose_amendment(
        agreement=version.agreement, actor=mentor, rationale="Sharper goals."
    )
    pair.amendment = agreement_services.propose(version=amendment, actor=mentee)
    pair.checkin = mentorship.checkins.upcoming().order_by("scheduled_at").first()
    pair.review = mentorship.progress_reviews.order_by("due_on").first()
    pair.revisit = RevisitPrompt.objects.create(
        mentorship=mentorship,
        reason=RevisitPrompt.Reason.MIDPOINT,
        due_on=timezone.localdate(),
    )
    review_services.save_assessments(
        review=pair.review,
        actor=mentee,
        assessments=[
            review_services.Assessment(c.pk, "on_track", "Evidence.", 4)
            for c in version.criteria.all()
        ],
    )
    return pair


def _held_checkin(mentorship: Mentorship, key: str) -> CheckIn:
    held = CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() - timedelta(days=3),
        status=CheckIn.Status.HELD,
        format="video",
        alignment=f"Aligned in {key}.",
        progress="Some.",
        next_steps="More.",
        recorded_at=timezone.now() - timedelta(days=3),
    )
    FeedbackItem.objects.create(
        checkin=held,
        given_by=mentorship.mentor,
        situation="S",
        observation="O",
        impact="I",
        suggestion="S",
    )
    ScorecardRating.objects.bulk_create(
        ScorecardRating(checkin=held, dimension=name, rating=3)
        for name in mentorship.scorecard_dimensions
    )
    return held


def _toolkit(programs, users) -> dict[str, ToolkitEntry]:
    """Per program: a submitted, a published and a declined entry."""

    def entry(program, author, title):
        return contribute_entry(
            program=program, author=author, kind="lesson", title=title, body="Body."
        )

    entries = {}
    for place, (a, b) in {
        "own": ("mentor", "mentee"),
        "other": ("mentor_x", "mentee_x"),
    }.items():
        program, coordinator = programs[place], programs[place].coordinators.first()
        entries[place] = entry(program, users[a], f"Waiting {place}")
        publish_entry(
            entry=entry(program, users[b], f"Published {place}"),
            decided_by=coordinator,
        )
        decline_entry(
            entry=entry(program, users[a], f"Declined {place}"),
            decided_by=coordinator,
            reason="Too specific.",
        )
    return entries


def world_fixture():
    """A module-scoped fixture holding the world; every test in the module rolls back
    to it. Assign it in a module: `world = world_fixture()`."""

    @pytest.fixture(scope="module", name="world")
    def _world(django_db_setup, django_db_blocker):  # noqa: ANN001
        with django_db_blocker.unblock(), transaction.atomic():
            yield build()
            transaction.set_rollback(True)

    return _world


# --- The matrix file ------------------------------------------------------------------

MATRIX_FILE = Path(__file__).with_name("authorization.yaml")


@dataclass(frozen=True)
class Cell:
    route: str
    method: str
    relation: str
    role: str
    status: int


def load_matrix() -> dict[str, Any]:
    return yaml.safe_load(MATRIX_FILE.read_text())


def route_methods(spec: dict[str, Any]) -> list[str]:
    return spec.get("methods", ["GET"])


def cells(matrix: dict[str, Any]) -> list[Cell]:
    """Every cell the file describes, with the status it expects."""
    groups = matrix["groups"]
    result = []
    for route, spec in matrix["routes"].items():
        kind = ROUTE_OBJECTS[route] or "none"
        relations = spec.get("relations", matrix["relations"][kind])
        for method in route_methods(spec):
            block = spec[method]
            if block == "same":
                block = spec["GET"]
            for relation in relations:
                for role in ROLES:
                    status = _expected(block, groups, relation, role, spec)
                    result.append(Cell(route, method, relation, role, status))
    return result


def _expected(block, groups, relation, role, spec) -> int:
    if role == "anonymous" and not spec.get("public"):
        return 302  # to the login page
    for key in (relation, "any"):
        statuses = _expand(block.get(key, {}), groups)
        if role in statuses:
            return statuses[role]
    return block["default"]


def _expand(statuses: dict[str, int], groups: dict[str, list[str]]) -> dict[str, int]:
    """Groups first, so a role named directly beats its group."""
    expanded = {}
    for name, status in statuses.items():
        for role in groups.get(name, []):
            expanded[role] = status
    for name, status in statuses.items():
        if name not in groups:
            if name not in ROLES:
                raise ValueError(f"unknown role or group {name!r}")
            expanded[name] = status
    return expanded
