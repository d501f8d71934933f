"""The authorization matrix (authorization.yaml) asserted cell by cell.

Every route × method × role × relation is requested against one world; every
mismatch is collected and the test fails with the full list. A 404 must be the very
page an id that names nothing gets, so a refusal never tells that the object exists.
"""

from __future__ import annotations

import logging
import re
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client

from reviews import services as review_services
from tests.security.world import (
    MISSING,
    ROLES,
    ROUTE_OBJECTS,
    cells,
    load_matrix,
    route_methods,
    world_fixture,
)

world = world_fixture()
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def clients(world, db):
    """One client per role, signed in once (a cell never changes who is signed in)."""
    result = {}
    for role in ROLES:
        client = Client()
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def request(world, client, method, url, role):
    """Send the request inside a savepoint that is rolled back: cells stay independent.

    The cookies are put back too, so a POST to log out signs nobody out for the next
    cell. The supervisor without consent is the supervisor once it was withdrawn.
    """
    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    try:
        with transaction.atomic():
            if role == "supervisor_without_consent":
                own = world.pairs["own"].mentorship
                review_services.withdraw_consent(mentorship=own, mentee=own.mentee)
            response = getattr(client, method.lower())(url)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def _outcome(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code}" + (f" → {location}" if location else "")


def test_every_cell_of_the_matrix(world, clients, caplog, record_property):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    matrix = load_matrix()
    mismatches: list[str] = []
    missing_pages: dict[tuple[str, str, str], bytes] = {}
    asserted = 0
    for cell in cells(matrix):
        client = clients[cell.role]
        url = world.url(cell.route, cell.relation, cell.role)
        where = f"{cell.method} {cell.route} [{cell.relation}] as {cell.role}"
        try:
            response = request(world, client, cell.method, url, cell.role)
        except Exception as error:  # noqa: BLE001 - a 500 is one more mismatch
            mismatches.append(f"{where}: expected {cell.status}, raised {error!r}")
            continue
        asserted += 1
        if response.status_code != cell.status:
            mismatches.append(
                f"{where}: expected {cell.status}, got {_outcome(response)}"
            )
            continue
        if cell.status == 302 and cell.role == "anonymous":
            if not response["Location"].startswith("/accounts/login/?next="):
                mismatches.append(f"{where}: sent to {response['Location']}")
        if cell.status == 404:
            key = (cell.route, cell.method, cell.role)
            if key not in missing_pages:
                nowhere = world.url(cell.route, MISSING, cell.role)
                missing = request(world, client, cell.method, nowhere, cell.role)
                missing_pages[key] = CSRF.sub(b"", missing.content)
            if CSRF.sub(b"", response.content) != missing_pages[key]:
                mismatches.append(f"{where}: the 404 differs from a missing id's")
    record_property("matrix_cells", asserted)
    print(f"\nauthorization matrix: {asserted} cells asserted")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    assert asserted == len(cells(matrix)) > 2500


def test_the_matrix_names_every_route_and_only_routes():
    matrix = load_matrix()
    assert set(matrix["routes"]) == set(ROUTE_OBJECTS)
    for route, spec in matrix["routes"].items():
        methods = route_methods(spec)
        assert set(methods) <= {"GET", "POST"}, route
        assert set(spec) - {"methods", "public", "relations"} == set(methods), route


def test_a_refusal_looks_like_nothing_at_all(world, clients):
    """Spot check of the body comparison itself: another cohort's mentorship."""
    client = clients["coordinator"]
    foreign = client.get(world.url("mentorship:mentorship_detail", "other_cohort"))
    missing = client.get(world.url("mentorship:mentorship_detail", MISSING))
    assert foreign.status_code == missing.status_code == 404
    assert CSRF.sub(b"", foreign.content) == CSRF.sub(b"", missing.content)
