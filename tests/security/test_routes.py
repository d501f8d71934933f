"""Every route the URL resolver knows: named, sampled, behind the login page unless it
is on the short public list, and refusing the methods it does not take.

The admin site's own routes are skipped in the walk: Django generates them for each
registered model and AdminSite.admin_view guards them all (an active staff account,
then the model's permissions). One test below holds that guard for every model's
changelist; tests/mentorship/test_admin.py covers what operators may do there.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.world import (
    ROUTE_OBJECTS,
    cells,
    load_matrix,
    route_methods,
    world_fixture,
)

world = world_fixture()

# The views marked @login_not_required, and why each may be.
PUBLIC = {
    "healthz": "the load balancer's probe; answers 'ok' and nothing else",
    "login": "the way in",
    "password_reset": "asks for an email; says the same whether it exists or not",
    "password_reset_done": "says an email may be on its way",
    "password_reset_confirm": "the signed, expiring link is the credential",
    "password_reset_complete": "says the password was set",
    "mentorship:invitation_accept": "the signed, single-use link is the credential",
    "mentorship:calendar_feed": "the secret address is the credential",
}
LOGIN = reverse("login")


def walk(patterns=None, namespace: str = "", prefix: str = ""):
    """Yield (name, route, callback) for every route outside the admin site."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = ":".join(p for p in (namespace, entry.namespace or "") if p)
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            name = (
                f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            )
            yield name, prefix + str(entry.pattern), entry.callback


ROUTES = list(walk())


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")


def test_every_route_is_named_and_has_a_sample():
    unnamed = [route for name, route, _view in ROUTES if not name]
    names = [name for name, _route, _view in ROUTES if name]
    assert not unnamed, f"routes without a name: {unnamed}"
    assert len(names) == len(set(names)), "a name is used twice"
    missing = sorted(set(names) - set(ROUTE_OBJECTS))
    assert not missing, f"add a sample to world.ROUTE_OBJECTS for: {missing}"
    stale = sorted(set(ROUTE_OBJECTS) - set(names))
    assert not stale, f"samples for routes that no longer exist: {stale}"
    assert len(names) > 80


def test_only_the_public_list_is_open_without_logging_in():
    open_views = {
        name
        for name, _route, view in ROUTES
        if not getattr(view, "login_required", True)
    }
    assert open_views == set(PUBLIC)


@pytest.mark.parametrize("name", sorted(set(ROUTE_OBJECTS) - set(PUBLIC)))
def test_anonymous_visitors_are_sent_to_log_in(world, db, name):
    url = world.url(name)
    response = Client().get(url)
    if response.status_code == 405:  # a POST-only route that refuses GET first
        response = Client().post(url)
    assert response.status_code == 302, name
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_routes_answer_anonymous_visitors(world, db, name):
    response = Client().get(world.url(name))
    assert response.status_code == 200, name
    assert not response.get("Location", "").startswith(LOGIN)


def _owners():
    """For each route and method, a role and relation the matrix lets through."""
    owners = {}
    for cell in cells(load_matrix()):
        if cell.role != "anonymous" and cell.status in (200, 302):
            owners.setdefault((cell.route, cell.method), (cell.role, cell.relation))
    return owners


def test_every_route_refuses_the_methods_it_does_not_take(world, db):
    """A GET-only route refuses POST (so it cannot change anything), a POST-only one
    refuses GET (a link or an image cannot trigger it), and none takes DELETE."""
    matrix, owners, wrong = load_matrix(), _owners(), []
    clients: dict[str, Client] = {}
    for name, spec in matrix["routes"].items():
        methods = route_methods(spec)
        role, relation = owners[(name, methods[0])]
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(world.user(role))
        url = world.url(name, relation, role)
        refused = {"GET", "POST", "DELETE"} - set(methods)
        if name == "password_reset_confirm":
            # Django's view answers an invalid link with its page before it looks at
            # the method; the page only says the link does not work.
            refused.discard("DELETE")
        for method in sorted(refused):
            status = getattr(clients[role], method.lower())(url).status_code
            if status != 405:
                wrong.append(f"{method} {name} as {role}: {status}")
    assert not wrong, "\n".join(wrong)


def test_the_admin_site_is_for_staff_only(world, db):
    """Every model's changelist: anonymous visitors go to the login page, coordinators
    to the admin's, staff without the model's permission are refused, the superuser
    gets in."""
    visitors = {role: Client() for role in ("coordinator", "staff", "superuser")}
    for role, client in visitors.items():
        client.force_login(world.user(role))
    admin_login = reverse("admin:login")
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        for client, login in (
            (Client(), LOGIN),
            (visitors["coordinator"], admin_login),
        ):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == f"{login}?next={url}", url
        assert visitors["staff"].get(url).status_code == 403, url
        assert visitors["superuser"].get(url).status_code == 200, url
    assert len(admin.site._registry) >= 10
