"""Who may open what in the toolkit: every route against every actor.

Everyone in the program reads; mentors and mentees contribute; coordinators decide.
Outside the program everything is 404, and anonymous visitors go to the login page.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mentorship import toolkit
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
    "toolkit_list": [200, 404, 200, 200, 200, 404],
    "toolkit_create": [403, 404, 200, 200, 403, 404],
    "toolkit_review": [200, 404, 403, 403, 403, 404],
}
POST_MATRIX = {
    # An empty contribution comes back with its errors for whoever may contribute.
    "toolkit_create": GET_MATRIX["toolkit_create"],
    "toolkit_publish": [302, 404, 403, 403, 403, 404],
    "toolkit_decline": [302, 404, 403, 403, 403, 404],
}


@pytest.fixture
def entry(program, mentee):
    return toolkit.contribute_entry(
        program=program, author=mentee, kind="lesson", title="T", body="B"
    )


@pytest.fixture
def urls(program, entry, mentorship):
    p, e = program.public_id, entry.public_id
    return {
        "toolkit_list": reverse("mentorship:toolkit_list", args=[p]),
        "toolkit_create": reverse("mentorship:toolkit_create", args=[p]),
        "toolkit_review": reverse("mentorship:toolkit_review", args=[p]),
        "toolkit_publish": reverse("mentorship:toolkit_publish", args=[e]),
        "toolkit_decline": reverse("mentorship:toolkit_decline", args=[e]),
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
def test_post_matrix(client, request, urls, entry, route, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.post(urls[route]).status_code == status
    entry.refresh_from_db()
    assert entry.is_submitted == (status != 302)


@pytest.mark.parametrize("route", [*GET_MATRIX, *POST_MATRIX])
def test_anonymous_is_sent_to_login(client, urls, route):
    for response in (client.get(urls[route]), client.post(urls[route])):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("toolkit_list", "post"),
        ("toolkit_review", "post"),
        ("toolkit_create", "put"),
        ("toolkit_publish", "get"),
        ("toolkit_decline", "get"),
    ],
)
def test_wrong_method_is_refused(client, coordinator, mentor, urls, route, method):
    client.force_login(mentor if route == "toolkit_create" else coordinator)
    assert getattr(client, method)(urls[route]).status_code == 405


def test_an_unknown_entry_answers_404(client, coordinator, mentorship):
    client.force_login(coordinator)
    unknown = "00000000-0000-4000-8000-000000000000"
    url = reverse("mentorship:toolkit_publish", args=[unknown])
    assert client.post(url).status_code == 404


def test_a_coordinator_who_is_also_a_mentor_contributes(client, coordinator, cohort):
    factories.MembershipFactory(cohort=cohort, user=coordinator, role="mentor")
    client.force_login(coordinator)
    url = reverse("mentorship:toolkit_create", args=[cohort.program.public_id])
    assert client.get(url).status_code == 200


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


@pytest.mark.parametrize(
    ("route", "actor"),
    [("toolkit_review", "coordinator"), ("toolkit_create", "mentor")],
)
def test_every_post_form_carries_a_csrf_token(client, request, urls, route, actor):
    client.force_login(request.getfixturevalue(actor))
    page = client.get(urls[route]).text
    forms = [f for f in FORM.findall(page) if 'method="post"' in f.lower()]
    assert len(forms) >= 2  # the page's own and the logout form
    for form in forms:
        assert 'name="csrfmiddlewaretoken"' in form, form[:200]


def test_the_admin_shows_entries_read_only_and_without_their_author(
    client, program, mentee
):
    entry = toolkit.contribute_entry(
        program=program,
        author=mentee,
        kind="lesson",
        title="Quiet",
        body="B",
        is_anonymous=True,
    )
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:mentorship_toolkitentry_changelist"))
    change = client.get(
        reverse("admin:mentorship_toolkitentry_change", args=[entry.pk])
    )
    assert listing.status_code == change.status_code == 200
    for page in (listing.text, change.text):
        assert "Quiet" in page and "Eli Mentee" not in page
    assert 'name="_save"' not in change.text
    add = reverse("admin:mentorship_toolkitentry_add")
    assert client.get(add).status_code == 403
