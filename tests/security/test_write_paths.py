"""Write paths: another pair's ids in the URL, another cohort's ids in the form, and
fields no form offers. Every row of every table is compared before and after.

Each unsafe route is first posted as a browser would (the form its page shows, filled
in) to the actor's own object: that must work and change only rows of that object's
mentorship, cohort, program or user. The same data posted to every other object the
matrix refuses the actor must change nothing at all. Every post also carries fields
no form offers (is_staff, status, author, public_id...), none of which may persist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD
from tests.security import world_rows as rows
from tests.security.world import (
    MISSING,
    ROUTE_OBJECTS,
    cells,
    load_matrix,
    route_methods,
    world_fixture,
)

world = world_fixture()
WHEN = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT10:15")
TODAY = str(timezone.localdate())
IN_A_YEAR = str(timezone.localdate() + timedelta(days=365))


@dataclass
class Case:
    route: str
    actor: str
    done: int = 302  # what the filled-in form gets on the actor's own object
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    changes: bool = True  # whether that changes anything
    page: str | None = None  # the route whose page holds the form (default: route)
    setup: Callable[[Any], None] | None = None


def _assess_as_mentor(w) -> None:
    from reviews import services

    pair = w.pairs["own"]
    services.save_assessments(
        review=pair.review,
        actor=pair.mentorship.mentor,
        assessments=[
            services.Assessment(c.pk, "at_risk", "Mentor's view.", 3)
            for c in pair.version.criteria.all()
        ],
    )


def _assessment(w) -> dict[str, str]:
    data = {}
    for c in w.pairs["own"].version.criteria.all():
        data |= {f"status_{c.pk}": "on_track", f"rating_{c.pk}": "4"}
    return data


SIGN = {"typed_name": "Mentor", "password": PASSWORD, "intent": "on"}
CASES = [
    Case("mentorship:program_edit", "coordinator", data={"name": "Renamed"}),
    Case(
        "mentorship:cohort_create",
        "coordinator",
        data={"name": "Spring", "starts_on": TODAY, "ends_on": IN_A_YEAR},
    ),
    Case("mentorship:cohort_edit", "coordinator", data={"name": "Renamed"}),
    Case("mentorship:profile", "mentor", data={"goals": "design", "capacity": "3"}),
    Case(
        "mentorship:invite",
        "coordinator",
        data={"email": "new@example.org", "full_name": "New Person", "role": "mentor"},
    ),
    Case("mentorship:invitation_resend", "coordinator", page="skip"),
    Case("mentorship:invitation_revoke", "coordinator", page="skip"),
    Case("mentorship:mentorship_close", "mentor", data={"confirm": "on"}),
    Case("mentorship:mentorship_close", "coordinator", data={"confirm": "on"}),
    Case("mentorship:meeting_time", "mentee", data={"meeting_time": "11:30"}),
    Case("mentorship:checkin_add", "mentor", data={"scheduled_at": WHEN}),
    Case(
        "mentorship:checkin_reschedule",
        "mentee",
        data={"scheduled_at": WHEN, "reason": "Travel."},
    ),
    Case("mentorship:checkin_cancel", "mentor", data={"reason": "Ill."}),
    # The next check-in lies ahead: recording it is refused, and nothing changes.
    Case("mentorship:checkin_record", "mentor", done=200, data={"status": "held"}),
    Case("mentorship:note_create", "mentee", data={"body": "Mine.", "checkin": ""}),
    Case("mentorship:note_edit", "mentor", data={"body": "Changed."}),
    Case("mentorship:note_delete", "mentee"),
    Case(
        "mentorship:toolkit_create",
        "mentee",
        data={"kind": "lesson", "title": "A lesson", "body": "Learned."},
    ),
    Case("mentorship:toolkit_publish", "coordinator", page="skip"),
    Case("mentorship:toolkit_decline", "coordinator", page="skip"),
    # The agreement exists: both are taken to it, and nothing changes.
    Case("agreements:start", "mentor", page="skip", changes=False),
    # An amendment is open already: the form comes back with that error.
    Case("agreements:amend", "mentee", done=200, data={"rationale": "Why not."}),
    Case(
        "agreements:disclose",
        "mentor",
        data={
            "disclosed_to": "HR",
            "disclosed_on": TODAY,
            "description": "In brief.",
        },
    ),
    Case("agreements:template_create", "coordinator", data={"sections-name": "New"}),
    Case("agreements:template_edit", "coordinator", data={"sections-name": "Edited"}),
    Case(
        "agreements:cohort_template",
        "coordinator",
        data=lambda w: {"template": str(w.templates["own"].public_id)},
    ),
    Case("agreements:edit", "mentee", data={"sections-purpose": "A sharper purpose."}),
    # Proposed already: refused with a message.
    Case("agreements:propose", "mentor", page="skip", changes=False),
    Case("agreements:sign", "mentor", data=SIGN),
    Case("agreements:waive_notice", "mentee", page="skip"),
    Case("agreements:revisit", "mentee", data={"outcome": "kept"}),
    Case("reviews:assess", "mentor", page="reviews:detail", data=_assessment),
    Case(
        "reviews:complete",
        "mentor",
        page="reviews:detail",
        setup=_assess_as_mentor,
        data=lambda w: {
            "progress_means": "Progress.",
            "setback_means": "Setback.",
            "goal_adaptation": "Adapt.",
            "outcome": "continue",
            **{f"dimension_{i}": "3" for i in range(3)},
        },
    ),
    Case("reviews:consent", "mentee", data={"agree": "on", "scope": "attendance"}),
    Case("reviews:withdraw", "mentee", page="skip"),
    Case("mentorship:pairing", "coordinator", done=200),
]


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")


def client_of(w, role: str) -> Client:
    client = Client()
    client.force_login(w.user(role))
    return client


def form_of(w, client, case: Case, url: str) -> dict[str, Any]:
    """What the page's form sends, filled in as the case says."""
    data: dict[str, Any] = {}
    if case.page != "skip":
        page = w.url(case.page, "own", case.actor) if case.page else url
        response = client.get(page)
        assert response.status_code == 200, page
        data = rows.form_data(response.content.decode(), url)
    if case.route == "agreements:sign":
        data |= {**SIGN, "typed_name": w.user(case.actor).full_name}
    extra = case.data(w) if callable(case.data) else case.data
    return {**rows.forged_fields(w), **data, **extra}


def own_scope(w, case: Case) -> set[tuple[str, Any]]:
    kind = ROUTE_OBJECTS[case.route]
    if kind in ("program", "template", "toolkit_entry"):
        return {("program", w.programs["own"].pk)}
    if kind in ("cohort", "profile", "invitation"):
        return {("cohort", w.cohorts["own"].pk)}
    return {("mentorship", w.pairs["own"].mentorship.pk)}


def refusals(case: Case) -> list[tuple[str, int]]:
    """Every relation the matrix refuses this actor on this route, and how."""
    return [
        (cell.relation, cell.status)
        for cell in cells(load_matrix())
        if (cell.route, cell.method, cell.role) == (case.route, "POST", case.actor)
        and cell.status in (403, 404)
    ]


def test_every_unsafe_route_with_an_object_has_a_case():
    unsafe = {
        name
        for name, spec in load_matrix()["routes"].items()
        if "POST" in route_methods(spec) and ROUTE_OBJECTS[name]
    }
    public_or_elsewhere = {"mentorship:invitation_accept", "password_reset_confirm"}
    uncovered = unsafe - public_or_elsewhere - {c.route for c in CASES}
    # invitation_import posts a file: tested in test_form_ids_of_elsewhere_are_refused
    assert uncovered == {"mentorship:invitation_import"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.route}-{c.actor}")
def test_someone_elses_object_in_the_url_changes_nothing(world, db, case):
    client = client_of(world, case.actor)
    with transaction.atomic():
        if case.setup:
            case.setup(world)
        url = world.url(case.route, "own", case.actor)
        data = form_of(world, client, case, url)
        response, before, after, found = rows.post(client, url, data)
        assert response.status_code == case.done, (url, rows.errors_of(response), data)
        if case.done == 302 and case.changes:
            assert found, "the filled-in form changed nothing: the case proves nothing"
        assert not rows.outside(found, own_scope(world, case), before, after)
        assert not rows.persisted_forgeries(found, world)
        for relation, status in refusals(case) + [(MISSING, 404)]:
            target = world.url(case.route, relation, case.actor)
            response, _before, _after, found = rows.post(client, target, data)
            assert response.status_code == status, (relation, target)
            assert not found, (relation, [str(c) for c in found])
        transaction.set_rollback(True)


# --- Another cohort's ids in the form ----------------------------------------------


def _changed(client, url, data, w) -> tuple[int, list[str]]:
    """Status, and every change, of a post with the forged fields added."""
    response, _before, _after, found = rows.post(
        client, url, {**rows.forged_fields(w), **data}
    )
    return response.status_code, [str(c) for c in found]


def test_pairing_takes_only_people_of_the_cohort(world, db):
    from tests.factories import MembershipFactory

    client = client_of(world, "coordinator")
    cohort, u = world.cohorts["own"], world.users
    fresh = MembershipFactory(cohort=cohort, role="mentee").user
    url = world.url("mentorship:pairing")
    pairing = {
        "mentor": str(u["mentor_b"].public_id),
        "mentee": str(fresh.public_id),
        "supervisor": "",
        "started_on": str(timezone.localdate()),
    }
    status, found = _changed(client, url, pairing, world)
    assert status == 302 and any("created mentorship.mentorship" in c for c in found)
    for role, stranger in (
        ("mentor", "mentor_x"),
        ("mentee", "mentee_x"),
        ("supervisor", "supervisor_x"),
    ):
        swapped = pairing | {role: str(u[stranger].public_id)}
        assert _changed(client, url, swapped, world) == (200, []), role


def test_a_note_is_linked_only_to_a_check_in_of_its_mentorship(world, db):
    client = client_of(world, "mentee")
    url = world.url("mentorship:note_create", "own", "mentee")
    note = {"body": "About that meeting.", "visibility": "shared"}
    own = world.pairs["own"].held.public_id
    status, found = _changed(client, url, note | {"checkin": str(own)}, world)
    assert status == 302 and found
    for relation in ("same_cohort", "other_cohort", "ended"):
        elsewhere = world.pairs[relation].held.public_id
        swapped = note | {"checkin": str(elsewhere)}
        assert _changed(client, url, swapped, world) == (200, []), relation


def test_a_cohort_starts_only_from_a_template_of_its_program(world, db):
    client = client_of(world, "coordinator")
    url = world.url("agreements:cohort_template")
    foreign = {"template": str(world.templates["other"].public_id)}
    assert _changed(client, url, foreign, world) == (200, [])


def test_a_recorded_check_in_of_another_pair_is_out_of_reach(world, db):
    from django.urls import reverse

    client = client_of(world, "mentor")
    record = {
        "status": "held",
        "format": "video",
        "alignment": "Aligned.",
        "feedback-TOTAL_FORMS": "0",
        "feedback-INITIAL_FORMS": "0",
    }
    for relation, expected in (("own", 302), ("same_cohort", 404), ("ended", 200)):
        held = world.pairs[relation].held
        url = reverse("mentorship:checkin_record", args=[held.public_id])
        status, found = _changed(client, url, record, world)
        assert status == expected, relation
        assert bool(found) is (expected == 302), (relation, found)


def test_assessments_and_recalibration_name_only_this_reviews_criteria(world, db):
    client = client_of(world, "mentor")
    review = world.pairs["own"].review
    theirs = world.pairs["same_cohort"].version
    foreign_criterion = theirs.criteria.first().pk
    assess_url = world.url("reviews:assess")
    assessment = _assessment(world)
    version_id = {"version_id": str(review.version_id or world.pairs["own"].version.pk)}
    # Fields for another pair's criterion are no fields of this form: ignored.
    extra = {
        f"status_{foreign_criterion}": "missed",
        f"rating_{foreign_criterion}": "1",
    }
    status, found = _changed(client, assess_url, assessment | version_id | extra, world)
    assert status == 302
    assert all("criterionassessment" in c or "progressreview" in c for c in found)
    # The version the form was built for is another pair's: refused.
    stale = assessment | {"version_id": str(theirs.pk)}
    assert _changed(client, assess_url, stale, world)[1] == []
    _assess_as_mentor(world)
    recalibrate = {
        "progress_means": "P.",
        "setback_means": "S.",
        "goal_adaptation": "G.",
        "outcome": "recalibrate",
        "criteria_to_change": str(foreign_criterion),
        **{f"dimension_{i}": "3" for i in range(3)},
    }
    complete_url = world.url("reviews:complete")
    assert _changed(client, complete_url, recalibrate, world) == (200, [])


def test_a_disclosure_invokes_only_an_exception_of_the_agreement_in_force(world, db):
    client = client_of(world, "mentor")
    url = world.url("agreements:disclose")
    disclosure = {
        "disclosed_to": "HR",
        "disclosed_on": TODAY,
        "description": "In brief.",
    }
    foreign = world.pairs["same_cohort"].version.exceptions.first()
    for exception in (str(foreign.pk), "99", "-1", "x"):
        swapped = disclosure | {"exception": exception}
        assert _changed(client, url, swapped, world) == (200, []), exception


def test_an_import_lands_in_the_cohort_of_the_url_only(world, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_of(world, "coordinator")

    def upload():
        text = "email,name,role,supervisor_email\r\nada@example.org,Ada,mentor,\r\n"
        return {"file": SimpleUploadedFile("people.csv", text.encode(), "text/csv")}

    url = world.url("mentorship:invitation_import")
    status, found = _changed(client, url, upload(), world)
    assert status == 302 and any("created mentorship.invitation" in c for c in found)
    for relation in ("other_cohort", MISSING):
        elsewhere = world.url("mentorship:invitation_import", relation)
        assert _changed(client, elsewhere, upload(), world) == (404, []), relation


# --- Fields no form offers ---------------------------------------------------------


def _created(found: list[rows.Change], table: str) -> dict[str, Any]:
    [row] = [c.after for c in found if c.kind == "created" and c.table == table]
    return row


def test_preferences_change_the_two_preferences_only(world, db):
    client = client_of(world, "mentee")
    url = world.url("mentorship:preferences")
    data = {"time_zone": "Europe/Paris", "checkin_reminder_minutes": "60"}
    response, before, after, found = rows.post(
        client, url, {**rows.forged_fields(world), **data}
    )
    assert response.status_code == 302
    [change] = found
    assert change.table == "mentorship.user" and change.pk == world.users["mentee"].pk
    assert change.fields == {"time_zone", "checkin_reminder_minutes"}


def test_a_new_calendar_address_changes_the_owners_token_only(world, db):
    client = client_of(world, "mentor")
    url = world.url("mentorship:calendar_token")
    data = {**rows.forged_fields(world), "action": "regenerate"}
    response, _before, _after, found = rows.post(client, url, data)
    assert response.status_code == 302
    [change] = found
    assert change.pk == world.users["mentor"].pk and change.fields == {"calendar_token"}
    assert change.after["calendar_token"] != "forged-calendar-token"


@pytest.mark.parametrize(
    ("route", "actor", "table", "data", "expected"),
    [
        (
            "mentorship:toolkit_create",
            "mentee",
            "mentorship.toolkitentry",
            {"kind": "lesson", "title": "T", "body": "B"},
            {"status": "submitted", "decided_by_id": None, "decided_at": None},
        ),
        (
            "mentorship:note_create",
            "mentor",
            "mentorship.note",
            {"body": "Mine.", "visibility": "private", "checkin": ""},
            {"checkin_id": None},
        ),
        (
            "reviews:consent",
            "mentee",
            "reviews.supervisorconsent",
            {"scope": "attendance", "agree": "on"},
            {"ended_at": None},
        ),
        (
            "mentorship:program_create",
            "coordinator",
            "mentorship.program",
            {"name": "New program", "scorecard_dimensions": "Skills, Delivery"},
            {},
        ),
    ],
)
def test_a_created_row_takes_its_owner_from_the_request(
    world, db, route, actor, table, data, expected
):
    client = client_of(world, actor)
    url = world.url(route, "own", actor)
    form = rows.form_data(client.get(url).content.decode(), url)
    response, _before, _after, found = rows.post(
        client, url, {**rows.forged_fields(world), **form, **data}
    )
    assert response.status_code == 302, rows.errors_of(response)
    row = _created(found, table)
    assert {k: row[k] for k in expected} == expected
    own = world.pairs["own"].mentorship
    owners = {
        "author_id": world.user(actor).pk,
        "mentorship_id": own.pk,
        "program_id": world.programs["own"].pk,
        "supervisor_id": own.supervisor_id,
        "mentee_id": own.mentee_id,
    }
    for name, value in owners.items():
        if name in row:
            assert row[name] == value, name
    assert str(row["public_id"]) != rows.FORGED
    if table == "mentorship.program":
        coordinators = _created(found, "mentorship.program_coordinators")
        assert coordinators["user_id"] == world.user(actor).pk
    assert not rows.persisted_forgeries(found, world)


def test_accepting_an_invitation_makes_a_plain_account_with_the_invited_email(
    world, db
):
    invitation = world.invitations["own"]
    url = world.url("mentorship:invitation_accept")
    data = {
        **rows.forged_fields(world),
        "full_name": "Invited Person",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    response, before, after, found = rows.post(Client(), url, data)
    assert response.status_code == 302
    user = _created(found, "mentorship.user")
    assert user["email"] == invitation.email
    assert not user["is_staff"] and not user["is_superuser"]
    assert user["calendar_token"] is None
    membership = _created(found, "mentorship.membership")
    assert membership["cohort_id"] == invitation.cohort_id
    assert membership["role"] == invitation.role
    allowed = {("cohort", invitation.cohort_id), ("user", user["pk"])}
    assert not rows.outside(found, allowed, before, after)
