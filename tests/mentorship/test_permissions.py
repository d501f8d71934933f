"""Who may open what: every program-app route against every actor.

Objects outside a user's world answer 404; visible objects the user may not manage
answer 403; anonymous users go to the login page.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

ACTORS = [
    "coordinator",
    "other_coordinator",
    "mentor",
    "mentee",
    "supervisor",
    "outsider",
]

# route → status for each actor, in the order of ACTORS
GET_MATRIX = {
    "home": [200, 200, 200, 200, 200, 200],
    "program_list": [200, 200, 200, 200, 200, 200],
    "program_create": [200, 200, 403, 403, 403, 403],
    "program_detail": [200, 404, 403, 403, 403, 404],
    "program_edit": [200, 404, 403, 403, 403, 404],
    "cohort_create": [200, 404, 403, 403, 403, 404],
    "cohort_detail": [200, 404, 403, 403, 403, 404],
    "cohort_edit": [200, 404, 403, 403, 403, 404],
    "invite": [200, 404, 403, 403, 403, 404],
    "invitation_import": [200, 404, 403, 403, 403, 404],
    "invitation_template": [200, 404, 403, 403, 403, 404],
    "pairing": [200, 404, 403, 403, 403, 404],
    "profile_mentor": [403, 404, 200, 403, 403, 404],
    "profile_mentee": [403, 404, 403, 200, 403, 404],
    "mentorship_detail": [200, 404, 200, 200, 404, 404],
}
# Form pages answer a POST as they answer a GET: an empty form comes back with its
# errors (200) for whoever may use it.
FORM_ROUTES = [
    "program_create",
    "program_edit",
    "cohort_create",
    "cohort_edit",
    "invite",
    "invitation_import",
    "pairing",
    "profile_mentor",
    "profile_mentee",
]
POST_MATRIX = {
    **{route: GET_MATRIX[route] for route in FORM_ROUTES},
    "invitation_resend": [302, 404, 404, 404, 404, 404],
    "invitation_revoke": [302, 404, 404, 404, 404, 404],
}


@pytest.fixture
def urls(program, cohort, mentorship):
    invitation = factories.InvitationFactory(cohort=cohort)
    c = cohort.public_id
    return {
        "home": reverse("home"),
        "program_list": reverse("mentorship:program_list"),
        "program_create": reverse("mentorship:program_create"),
        "program_detail": reverse(
            "mentorship:program_detail", args=[program.public_id]
        ),
        "program_edit": reverse("mentorship:program_edit", args=[program.public_id]),
        "cohort_create": reverse("mentorship:cohort_create", args=[program.public_id]),
        "cohort_detail": reverse("mentorship:cohort_detail", args=[c]),
        "cohort_edit": reverse("mentorship:cohort_edit", args=[c]),
        "invite": reverse("mentorship:invite", args=[c]),
        "invitation_import": reverse("mentorship:invitation_import", args=[c]),
        "invitation_template": reverse("mentorship:invitation_template", args=[c]),
        "pairing": reverse("mentorship:pairing", args=[c]),
        "profile_mentor": reverse("mentorship:profile", args=[c, "mentor"]),
        "profile_mentee": reverse("mentorship:profile", args=[c, "mentee"]),
        "mentorship_detail": mentorship.get_absolute_url(),
        "invitation_resend": reverse(
            "mentorship:invitation_resend", args=[invitation.public_id]
        ),
        "invitation_revoke": reverse(
            "mentorship:invitation_revoke", args=[invitation.public_id]
        ),
    }


def _cells(matrix):
    return [
        pytest.param(route, actor, statuses[i], id=f"{route}-{actor}")
        for route, statuses in matrix.items()
        for i, actor in enumerate(ACTORS)
    ]


@pytest.mark.parametrize(("route", "actor", "status"), _cells(GET_MATRIX))
def test_get_matrix(client, request, urls, route, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(urls[route]).status_code == status


@pytest.mark.parametrize(("route", "actor", "status"), _cells(POST_MATRIX))
def test_post_matrix(client, request, urls, route, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.post(urls[route]).status_code == status


@pytest.mark.parametrize("route", [*GET_MATRIX, *POST_MATRIX])
def test_anonymous_is_sent_to_login(client, urls, route):
    response = client.get(urls[route])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("route", "method"),
    [(route, "delete") for route in GET_MATRIX]
    + [("home", "post"), ("cohort_detail", "post"), ("program_list", "post")]
    + [("mentorship_detail", "post"), ("invitation_template", "post")]
    + [("invitation_resend", "get"), ("invitation_revoke", "get")],
)
def test_wrong_method_is_refused(client, coordinator, urls, route, method):
    client.force_login(coordinator)
    assert getattr(client, method)(urls[route]).status_code == 405


def test_unknown_ids_answer_the_same_404_as_foreign_ones(client, outsider, urls):
    client.force_login(outsider)
    foreign = client.get(urls["cohort_detail"])
    unknown = client.get(
        reverse(
            "mentorship:cohort_detail", args=["00000000-0000-4000-8000-000000000000"]
        )
    )
    assert foreign.status_code == unknown.status_code == 404
    # The logout form's CSRF token is masked differently on every response.
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", foreign.content) == token.sub(b"", unknown.content)


def test_sequential_ids_are_not_routes(client, coordinator, cohort):
    client.force_login(coordinator)
    assert client.get(f"/cohorts/{cohort.pk}/").status_code == 404


def test_health_check_is_public(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


@pytest.mark.parametrize(
    ("route", "actor"),
    [(route, "coordinator") for route in GET_MATRIX if route != "profile_mentee"]
    + [("profile_mentee", "mentee"), ("home", "mentee")],
)
def test_every_post_form_carries_a_csrf_token(client, request, urls, route, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(urls[route])
    if response.get("Content-Type", "").startswith("text/csv"):
        return
    forms = [f for f in FORM.findall(response.text) if 'method="post"' in f.lower()]
    assert forms, "every page has at least the logout form"
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form, form[:200]


def test_public_forms_carry_a_csrf_token(client, db, cohort):
    invitation = factories.InvitationFactory(cohort=cohort)
    for url in (
        reverse("login"),
        reverse("password_reset"),
        invitation.get_accept_url(),
    ):
        assert 'name="csrfmiddlewaretoken"' in client.get(url).text, url


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_public_routes_refuse_other_methods(client, db, cohort, method):
    invitation = factories.InvitationFactory(cohort=cohort)
    for url in (invitation.get_accept_url(), reverse("healthz")):
        assert getattr(client, method)(url).status_code == 405, url
