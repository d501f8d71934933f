"""Shared helpers of the security gates: one lived-in world built through the services,
every route of the URLconf with an actor who may use it, and a database snapshot.

`build_world(text)` writes `text(key)` into every field a person can write, so the XSS
gate fills them with payloads and the other gates with plain words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, models
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agreements import services as agreements
from agreements.models import AgreementTemplate, AgreementVersion
from mentorship import account, checkins, notes, retention, services, toolkit
from mentorship.models import (
    CheckIn,
    FeedbackItem,
    Invitation,
    Mentorship,
    Note,
    Program,
    RevisitPrompt,
    ToolkitEntry,
    User,
)
from reviews import services as reviews
from reviews.models import ProgressReview, SupervisorConsent
from tests import factories

ROLES = ("coordinator", "mentor", "mentee", "supervisor", "outsider", "staff")


def plain(key: str) -> str:
    return f"Plain {key}"


@dataclass
class World:
    people: dict[str, User]
    program: Any
    cohort: Any
    mentorship: Mentorship
    ended: Mentorship
    version: AgreementVersion
    amendment: AgreementVersion
    template: AgreementTemplate
    checkins: dict[str, CheckIn]
    note: Note
    invitation: Invitation
    entries: dict[str, ToolkitEntry]
    prompt: RevisitPrompt
    decided: RevisitPrompt
    review: ProgressReview
    consent: SupervisorConsent
    keys: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None


class Writer:
    """Hand out text(key) and remember every key written."""

    def __init__(self, text: Callable[[str], str]) -> None:
        self.text, self.keys = text, []

    def __call__(self, key: str) -> str:
        self.keys.append(key)
        return self.text(key)


def _people(w: Writer) -> dict[str, User]:
    make = factories.UserFactory
    people = {
        "coordinator": make(full_name=w("coordinator.name"), coordinator=True),
        "mentor": make(full_name=w("mentor.name")),
        "mentee": make(full_name=w("mentee.name")),
        "supervisor": make(full_name=w("supervisor.name")),
        "outsider": make(full_name=w("outsider.name")),
        "mentor2": make(full_name=w("mentor2.name")),
        "mentee2": make(full_name=w("mentee2.name")),
        "staff": make(full_name="Staff Operator", is_staff=True, is_superuser=True),
    }
    return people


def _program(w: Writer, p: dict[str, User]) -> tuple[Any, Any]:
    program = services.create_program(
        created_by=p["coordinator"],
        fields={
            "name": w("program.name"),
            "description": w("program.description"),
            "framework_reference": w("program.framework"),
            "scorecard_dimensions": [w("program.dimension"), "Delivery"],
        },
    )
    today = timezone.localdate()
    cohort = services.create_cohort(
        program=program,
        fields={
            "name": w("cohort.name"),
            "starts_on": today - timedelta(days=40),
            "ends_on": today + timedelta(days=140),
            "status": "active",
        },
    )
    for user, role in [
        (p["mentor"], "mentor"),
        (p["mentor2"], "mentor"),
        (p["supervisor"], "supervisor"),
        (p["mentee2"], "mentee"),
    ]:
        factories.MembershipFactory(cohort=cohort, user=user, role=role)
    mentee = factories.MembershipFactory(
        cohort=cohort,
        user=p["mentee"],
        role="mentee",
        supervisor_email=p["supervisor"].email,
    )
    services.update_profile(
        membership=mentee,
        fields={"goals": [w("profile.goal")], "strengths": [w("profile.strength")]},
    )
    return program, cohort


def _template(w: Writer, program: Any, cohort: Any) -> AgreementTemplate:
    template = agreements.save_template(
        program=program,
        template=None,
        fields={"name": w("template.name"), "purpose": w("template.purpose")},
        exceptions=[{"kind": "legal", "description": w("template.exception")}],
    )
    agreements.choose_cohort_template(cohort=cohort, template=template)
    return template


# The agreement's free-text sections: every one a participant writes in.
SECTIONS = [
    name
    for name in AgreementVersion.CONTENT_FIELDS
    if isinstance(AgreementVersion._meta.get_field(name), models.TextField)
]


def _draft(w: Writer, prefix: str) -> agreements.Draft:
    return agreements.Draft(
        sections={name: w(f"{prefix}.{name}") for name in SECTIONS},
        criteria=[
            factories.criterion_row(
                description=w(f"{prefix}.criterion"),
                metric=w(f"{prefix}.metric"),
                target=w(f"{prefix}.target"),
                competency=w(f"{prefix}.competency"),
            )
        ],
        exceptions=[{"kind": "safety", "description": w(f"{prefix}.exception")}],
    )


def sign_agreement(w: Writer, mentorship: Mentorship, prefix: str) -> AgreementVersion:
    agreement = agreements.start_agreement(
        mentorship=mentorship, actor=mentorship.mentor
    )
    version = agreement.versions.get()
    agreements.update_draft(
        version=version, editor=mentorship.mentor, draft=_draft(w, prefix)
    )
    version = agreements.propose(version=version, actor=mentorship.mentee)
    factories.sign_as(version, mentorship.mentor)
    factories.sign_as(version, mentorship.mentee)
    version.refresh_from_db()
    return version


def _past_checkin(mentorship: Mentorship, days: int) -> CheckIn:
    """A check-in `days` ago: added ahead through the service, then moved back."""
    checkin = checkins.add_extra(
        mentorship=mentorship,
        actor=mentorship.mentor,
        scheduled_at=timezone.now() + timedelta(days=400, minutes=days),
        duration=60,
    )
    when = timezone.now() - timedelta(days=days, minutes=7)
    CheckIn.objects.filter(pk=checkin.pk).update(scheduled_at=when)
    checkin.refresh_from_db()
    return checkin


def _checkins(w: Writer, m: Mentorship) -> dict[str, CheckIn]:
    held = _past_checkin(m, 20)
    checkins.record(
        checkin=held,
        actor=m.mentor,
        fields={
            "status": "held",
            "format": "video",
            "alignment": w("checkin.alignment"),
            "progress": w("checkin.progress"),
            "next_steps": w("checkin.next_steps"),
        },
        feedback=[{f: w(f"feedback.{f}") for f in FeedbackItem.FIELDS}],
        ratings={m.scorecard_dimensions[0]: 4},
    )
    for days in (10, 3):  # two misses in a row: the pair and the coordinator are told
        missed = _past_checkin(m, days)
        checkins.record(
            checkin=missed,
            actor=m.mentee,
            fields={"status": "missed"},
            feedback=[],
            ratings={},
        )
    soon = checkins.add_extra(
        mentorship=m,
        actor=m.mentee,
        scheduled_at=timezone.now() + timedelta(minutes=30),
        duration=45,
    )
    moved = checkins.add_extra(
        mentorship=m,
        actor=m.mentee,
        scheduled_at=timezone.now() + timedelta(days=30, minutes=3),
        duration=45,
    )
    checkins.reschedule(
        checkin=moved,
        actor=m.mentor,
        scheduled_at=moved.scheduled_at + timedelta(hours=2),
        reason=w("checkin.reschedule_reason"),
    )
    dropped = checkins.add_extra(
        mentorship=m,
        actor=m.mentee,
        scheduled_at=timezone.now() + timedelta(days=31, minutes=5),
        duration=45,
    )
    checkins.cancel(checkin=dropped, actor=m.mentee, reason=w("checkin.cancel_reason"))
    return {"held": held, "soon": soon, "moved": moved, "dropped": dropped}


def _notes(w: Writer, m: Mentorship, held: CheckIn) -> Note:
    note = notes.create_note(
        mentorship=m,
        author=m.mentor,
        body=w("note.private"),
        visibility="private",
        checkin=held,
    )
    shared = notes.create_note(
        mentorship=m, author=m.mentee, body=w("note.shared"), visibility="shared"
    )
    # Ends within the warning period: its author is told.
    Note.objects.filter(pk=shared.pk).update(
        expires_at=timezone.now() + timedelta(days=3)
    )
    return note


def _toolkit(w: Writer, program: Any, p: dict[str, User]) -> dict[str, ToolkitEntry]:
    def entry(key: str, author: User, **extra: Any) -> ToolkitEntry:
        return toolkit.contribute_entry(
            program=program,
            author=author,
            kind="lesson",
            title=w(f"{key}.title"),
            body=w(f"{key}.body"),
            link=f"https://example.org/{key}",
            **extra,
        )

    published = entry("toolkit.published", p["mentor"])
    toolkit.publish_entry(entry=published, decided_by=p["coordinator"])
    declined = entry("toolkit.declined", p["mentee"], is_anonymous=True)
    toolkit.decline_entry(
        entry=declined, decided_by=p["coordinator"], reason=w("toolkit.decline_reason")
    )
    waiting = entry("toolkit.waiting", p["mentee"])
    return {"published": published, "declined": declined, "waiting": waiting}


def _reviews(w: Writer, m: Mentorship, version: AgreementVersion) -> ProgressReview:
    review = ProgressReview.objects.create(
        mentorship=m, due_on=timezone.localdate() - timedelta(days=5)
    )
    for actor in (m.mentee, m.mentor):
        reviews.save_assessments(
            review=review,
            actor=actor,
            assessments=[
                reviews.Assessment(
                    c.pk, "on_track", w(f"review.evidence.{actor.pk}"), 4
                )
                for c in version.criteria.all()
            ],
        )
    m.refresh_from_db()
    reviews.complete_review(
        review=review,
        actor=m.mentor,
        completion=reviews.Completion(
            outcome="continue",
            note=w("review.outcome_note"),
            progress_means=w("review.progress_means"),
            setback_means=w("review.setback_means"),
            goal_adaptation=w("review.goal_adaptation"),
            ratings={name: 3 for name in m.scorecard_dimensions},
        ),
    )
    # Due in two days: both parties are reminded.
    return ProgressReview.objects.create(
        mentorship=m, due_on=timezone.localdate() + timedelta(days=2)
    )


def grant(m: Mentorship, days: int, summary: str) -> SupervisorConsent:
    return reviews.grant_consent(
        mentorship=m,
        mentee=m.mentee,
        grant=reviews.Grant(
            scope=["criteria", "scorecard", "attendance", "summary"],
            summary=summary,
            expires_at=timezone.now() + timedelta(days=days),
            seen_digest=reviews.text_digest(reviews.consent_text(mentorship=m)),
        ),
    )


def _amendment(w: Writer, version: AgreementVersion) -> AgreementVersion:
    """An amendment signed by both, waiting out its notice period."""
    m = version.agreement.mentorship
    amendment = agreements.propose_amendment(
        agreement=version.agreement, actor=m.mentee, rationale=w("amendment.rationale")
    )
    agreements.update_draft(
        version=amendment, editor=m.mentee, draft=_draft(w, "amendment")
    )
    amendment = agreements.propose(version=amendment, actor=m.mentor)
    factories.sign_as(amendment, m.mentor)
    factories.sign_as(amendment, m.mentee)
    amendment.refresh_from_db()
    return amendment


def _ended(w: Writer, cohort: Any, p: dict[str, User]) -> Mentorship:
    """A second pair that lived a little and closed: the portable record's pages."""
    ended = factories.pair(cohort=cohort, mentor=p["mentor2"], mentee=p["mentee2"])
    version = sign_agreement(w, ended, "ended")
    _reviews(w, ended, version)
    notes.create_note(
        mentorship=ended, author=ended.mentee, body=w("ended.note"), visibility="shared"
    )
    purged = notes.create_note(
        mentorship=ended, author=ended.mentor, body="purged", visibility="private"
    )
    services.end_mentorship(
        mentorship=ended, ended_by=ended.mentor, reason=w("ended.close_reason")
    )
    Note.objects.filter(pk=purged.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    retention.purge_expired_notes()
    ended.refresh_from_db()
    return ended


def build_world(text: Callable[[str], str] = plain) -> World:
    """Build the world; run inside django_capture_on_commit_callbacks(execute=True)
    to send the emails the services queue."""
    w = Writer(text)
    p = _people(w)
    program, cohort = _program(w, p)
    template = _template(w, program, cohort)
    invitation = services.invite_person(
        cohort=cohort,
        request=services.InvitationRequest(
            email="invitee@example.org", full_name=w("invitation.name"), role="mentor"
        ),
        invited_by=p["coordinator"],
    )
    m = factories.pair(
        cohort=cohort,
        mentor=p["mentor"],
        mentee=p["mentee"],
        supervisor=p["supervisor"],
    )
    version = sign_agreement(w, m, "agreement")
    m.refresh_from_db()
    found = _checkins(w, m)
    note = _notes(w, m, found["held"])
    prompt = RevisitPrompt.objects.create(
        mentorship=m, reason="midpoint", due_on=timezone.localdate()
    )
    decided = RevisitPrompt.objects.create(
        mentorship=m, reason="misses", due_on=timezone.localdate() - timedelta(days=9)
    )
    agreements.revisit_agreement(
        prompt=decided, actor=m.mentee, outcome="kept", note=w("revisit.note")
    )
    agreements.record_disclosure(
        agreement=version.agreement,
        recorded_by=m.mentor,
        request=agreements.DisclosureRequest(
            exception=version.exceptions.get(),
            disclosed_to=w("disclosure.to"),
            disclosed_on=timezone.localdate(),
            description=w("disclosure.description"),
            other_party_informed_on=None,
        ),
    )
    review = _reviews(w, m, version)
    consent = grant(m, 3, w("consent.summary"))
    amendment = _amendment(w, version)
    entries = _toolkit(w, program, p)
    account.turn_on_calendar_feed(user=p["mentor"])
    ended = _ended(w, cohort, p)
    for user in p.values():
        user.refresh_from_db()
    m.refresh_from_db()
    return World(
        people=p,
        program=program,
        cohort=cohort,
        mentorship=m,
        ended=ended,
        version=version,
        amendment=amendment,
        template=template,
        checkins=found,
        note=note,
        invitation=invitation,
        entries=entries,
        prompt=prompt,
        decided=decided,
        review=review,
        consent=consent,
        keys=w.keys,
    )


# --- Routes -----------------------------------------------------------------------------


ADMIN = "admin:"


def walk(
    resolver: URLResolver | None = None, ns: str = "", at: str = ""
) -> Iterator[str]:
    """Yield a key for every URL pattern the project serves: "ns:name" for the app's
    routes, "admin:" and the pattern's path for the admin's (some have no name)."""
    for p in (resolver or get_resolver()).url_patterns:
        here = at + str(p.pattern).lstrip("^")
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from walk(p, inner, here)
        elif ns.startswith(ADMIN):
            yield ADMIN + here
        else:
            assert p.name, f"unnamed URL pattern {here}"
            yield f"{ns}{p.name}"


def _reset_kwargs(w: World) -> dict[str, str]:
    user = w.mentee
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


Case = tuple[str | None, Callable[[World], dict[str, Any]]]
NONE: Callable[[World], dict[str, Any]] = lambda w: {}  # noqa: E731


def pid(obj: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"public_id": obj(w).public_id}


PROGRAM, COHORT = pid(lambda w: w.program), pid(lambda w: w.cohort)
MENTORSHIP, ENDED = pid(lambda w: w.mentorship), pid(lambda w: w.ended)

# Every route of the app: who may use it (None: anonymous) and its arguments.
APP_ROUTES: dict[str, Case] = {
    "home": ("mentor", NONE),
    "healthz": (None, NONE),
    "login": (None, NONE),
    "logout": ("mentor", NONE),
    "password_change": ("mentor", NONE),
    "password_change_done": ("mentor", NONE),
    "password_reset": (None, NONE),
    "password_reset_done": (None, NONE),
    "password_reset_confirm": (None, _reset_kwargs),
    "password_reset_complete": (None, NONE),
    "mentorship:program_list": ("coordinator", NONE),
    "mentorship:program_create": ("coordinator", NONE),
    "mentorship:program_detail": ("coordinator", PROGRAM),
    "mentorship:program_edit": ("coordinator", PROGRAM),
    "mentorship:cohort_create": ("coordinator", PROGRAM),
    "mentorship:cohort_detail": ("coordinator", COHORT),
    "mentorship:cohort_edit": ("coordinator", COHORT),
    "mentorship:profile": (
        "mentee",
        lambda w: {"public_id": w.cohort.public_id, "role": "mentee"},
    ),
    "mentorship:invite": ("coordinator", COHORT),
    "mentorship:invitation_import": ("coordinator", COHORT),
    "mentorship:invitation_template": ("coordinator", COHORT),
    "mentorship:pairing": ("coordinator", COHORT),
    "mentorship:invitation_resend": ("coordinator", pid(lambda w: w.invitation)),
    "mentorship:invitation_revoke": ("coordinator", pid(lambda w: w.invitation)),
    "mentorship:invitation_accept": (
        None,
        lambda w: {"token": w.invitation.make_token()},
    ),
    "mentorship:mentorship_detail": ("mentor", MENTORSHIP),
    "mentorship:mentorship_close": ("mentor", MENTORSHIP),
    "mentorship:meeting_time": ("mentor", MENTORSHIP),
    "mentorship:checkin_add": ("mentor", MENTORSHIP),
    "mentorship:checkin_detail": ("mentor", pid(lambda w: w.checkins["held"])),
    "mentorship:checkin_record": ("mentor", pid(lambda w: w.checkins["held"])),
    "mentorship:checkin_reschedule": ("mentee", pid(lambda w: w.checkins["soon"])),
    "mentorship:checkin_cancel": ("mentee", pid(lambda w: w.checkins["soon"])),
    "mentorship:cohort_activity": ("coordinator", COHORT),
    "mentorship:note_list": ("mentor", MENTORSHIP),
    "mentorship:note_create": ("mentor", MENTORSHIP),
    "mentorship:note_export": ("mentor", MENTORSHIP),
    "mentorship:note_detail": ("mentor", pid(lambda w: w.note)),
    "mentorship:note_edit": ("mentor", pid(lambda w: w.note)),
    "mentorship:note_delete": ("mentor", pid(lambda w: w.note)),
    "mentorship:destruction_records": ("coordinator", COHORT),
    "mentorship:toolkit_list": ("mentee", PROGRAM),
    "mentorship:toolkit_create": ("mentee", PROGRAM),
    "mentorship:toolkit_review": ("coordinator", PROGRAM),
    "mentorship:toolkit_publish": ("coordinator", pid(lambda w: w.entries["waiting"])),
    "mentorship:toolkit_decline": ("coordinator", pid(lambda w: w.entries["waiting"])),
    "mentorship:preferences": ("mentor", NONE),
    "mentorship:calendar_token": ("mentor", NONE),
    "mentorship:calendar_feed": (None, lambda w: {"token": w.mentor.calendar_token}),
    "agreements:detail": ("mentee", MENTORSHIP),
    "agreements:start": ("mentor2", ENDED),
    "agreements:amend": ("mentee", MENTORSHIP),
    "agreements:compare": ("mentee", MENTORSHIP),
    "agreements:disclose": ("mentee", MENTORSHIP),
    "agreements:verify": ("mentee", NONE),
    "agreements:templates": ("coordinator", PROGRAM),
    "agreements:template_create": ("coordinator", PROGRAM),
    "agreements:template_edit": ("coordinator", pid(lambda w: w.template)),
    "agreements:cohort_template": ("coordinator", COHORT),
    "agreements:cohort_states": ("coordinator", COHORT),
    "agreements:pdf": ("mentee", pid(lambda w: w.version)),
    "agreements:edit": ("mentee", pid(lambda w: w.amendment)),
    "agreements:propose": ("mentee", pid(lambda w: w.amendment)),
    "agreements:sign": ("mentee", pid(lambda w: w.amendment)),
    "agreements:waive_notice": ("mentee", pid(lambda w: w.amendment)),
    "agreements:revisit": ("mentee", pid(lambda w: w.prompt)),
    "reviews:list": ("mentee", MENTORSHIP),
    "reviews:detail": ("mentee", pid(lambda w: w.review)),
    "reviews:assess": ("mentee", pid(lambda w: w.review)),
    "reviews:complete": ("mentee", pid(lambda w: w.review)),
    "reviews:consent": ("mentee", MENTORSHIP),
    "reviews:withdraw": ("mentee", MENTORSHIP),
    "reviews:preview": ("mentee", MENTORSHIP),
    "reviews:supervision": ("supervisor", NONE),
    "reviews:summary": ("supervisor", MENTORSHIP),
    "reviews:summary_export": ("supervisor", MENTORSHIP),
    "reviews:record": ("mentee2", ENDED),
    "reviews:record_json": ("mentee2", ENDED),
    "reviews:record_pdf": ("mentee2", ENDED),
    "reviews:cohort_dashboard": ("coordinator", COHORT),
    "reviews:cohort_dashboard_csv": ("coordinator", COHORT),
    "reviews:cohort_report_pdf": ("coordinator", COHORT),
}


ADMIN_PARTS = [
    (re.compile(r"\(\?P<app_label>[^)]*\)"), "mentorship"),
    (re.compile(r"\(\?P<url>[^)]*\)"), "no-such-page/"),
    (re.compile(r"<\w+:content_type_id>/<path:object_id>"), "{content_type}/{program}"),
    (re.compile(r"<path:object_id>|<id>"), "{object}"),
    (re.compile(r"[$]"), ""),
]


def _admin_url(key: str, w: World) -> str:
    """The admin URL of a pattern path, naming an existing object of its model."""
    from django.contrib.contenttypes.models import ContentType

    path = key.removeprefix(ADMIN)
    parts = path.split("/")
    first = None
    if len(parts) > 3:
        try:
            model = apps.get_model(parts[1], parts[2])
        except LookupError:
            model = None
        if model is not None:
            first = model._default_manager.order_by("pk").first()
    for pattern, replacement in ADMIN_PARTS:
        path = pattern.sub(replacement, path)
    return "/" + path.format(
        content_type=ContentType.objects.get_for_model(Program).pk,
        program=w.program.pk,
        object=first.pk if first else 1,
    )


def route_case(name: str, w: World) -> tuple[str | None, str]:
    """Return (actor, URL) for a route key; admin routes are for the staff operator."""
    if name.startswith(ADMIN):
        return "staff", _admin_url(name, w)
    actor, kwargs = APP_ROUTES[name]
    return actor, reverse(name, kwargs=kwargs(w))


def client_for(w: World, actor: str | None, **options: Any) -> Client:
    client = Client(**options)
    if actor is not None:
        client.force_login(w.people[actor])
    return client


# --- Database snapshot ------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


# --- Production settings ----------------------------------------------------------------

SECURITY_SETTINGS = (
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_ABSOLUTE_SECONDS",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
    "MIDDLEWARE",
)


def production_settings(tmp_path: Any, **overrides: str) -> dict[str, Any]:
    """The security settings as production computes them, read in a fresh process."""
    import json
    import subprocess
    import sys

    from tests.test_deployment import ROOT, _production_env

    env = _production_env(tmp_path) | overrides
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
