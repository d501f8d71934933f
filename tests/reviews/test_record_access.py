"""Who may see the record page and download the record, and what it costs in queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reviews import record_helpers as lived

PAGES = ["reviews:record", "reviews:record_json", "reviews:record_pdf"]


@pytest.fixture
def ended(mentorship):
    lived.sign_agreement(mentorship)
    return lived.close(mentorship)


def url(name, mentorship):
    return reverse(name, args=[mentorship.public_id])


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("mentor", 200),
        ("mentee", 200),
        ("coordinator", 404),
        ("supervisor", 404),
        ("outsider", 404),
        ("other_coordinator", 404),
    ],
)
def test_record_visibility(client, request, ended, name, actor, status):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(url(name, ended)).status_code == status


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(client, ended, name):
    response = client.get(url(name, ended))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_posting_is_not_allowed(client, ended, mentee, name):
    client.force_login(mentee)

    assert client.post(url(name, ended)).status_code == 405


@pytest.mark.parametrize("name", ["reviews:record_json", "reviews:record_pdf"])
def test_no_download_while_the_mentorship_is_active(client, mentorship, mentee, name):
    client.force_login(mentee)

    assert client.get(url(name, mentorship)).status_code == 404


def test_the_page_explains_why_not_yet_while_active(client, mentorship, mentor):
    client.force_login(mentor)

    response = client.get(url("reviews:record", mentorship))

    assert response.status_code == 200
    assert b"once the mentorship has closed" in response.content
    assert url("reviews:record_json", mentorship).encode() not in response.content


def test_the_page_links_both_downloads_once_ended(client, ended, mentee):
    client.force_login(mentee)

    response = client.get(url("reviews:record", ended))

    assert url("reviews:record_json", ended).encode() in response.content
    assert url("reviews:record_pdf", ended).encode() in response.content
    assert b"consent history" in response.content


def test_the_mentors_page_says_nothing_of_consent(client, ended, mentor):
    client.force_login(mentor)

    response = client.get(url("reviews:record", ended))

    assert b"consent history" not in response.content
    assert b"supervisor" not in response.content.lower()


def test_downloads_are_attachments_never_cached(client, ended, mentor):
    client.force_login(mentor)

    for name, kind in (("reviews:record_json", "json"), ("reviews:record_pdf", "pdf")):
        response = client.get(url(name, ended))
        assert response["Content-Disposition"] == (
            f'attachment; filename="mentoring-record-mentor-{ended.ended_on}.{kind}"'
        )
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("actor", "shown"), [("mentor", True), ("mentee", True), ("coordinator", False)]
)
def test_an_ended_mentorship_links_to_the_record(client, request, ended, actor, shown):
    client.force_login(request.getfixturevalue(actor))

    response = client.get(ended.get_absolute_url())

    assert (url("reviews:record", ended).encode() in response.content) is shown


def test_an_active_mentorship_does_not_link_to_the_record(client, mentorship, mentee):
    client.force_login(mentee)

    response = client.get(mentorship.get_absolute_url())

    assert url("reviews:record", mentorship).encode() not in response.content


@pytest.mark.parametrize("rows", [2, 20])
def test_json_download_queries_are_flat(
    rows, client, mentorship, mentee, django_assert_num_queries
):
    lived.live_and_close(mentorship, rows=rows)
    client.force_login(mentee)
    target = url("reviews:record_json", mentorship)
    # guardian caches the content type of a permission per process on first use.
    client.get(target)
    # session, user, mentorship (+people, cohort, program), signed versions, their
    # criteria, exceptions and signatures, own notes (+check-in; permission
    # subquery), completed reviews (+version), their assessments (+criterion),
    # ratings, consents (+supervisor), their supervisor views
    with django_assert_num_queries(13):
        response = client.get(target)
    data = response.json()
    assert len(data["notes"]) == rows * 2
    assert len(data["reviews"]) == rows
    assert len(data["consents"]) == rows
    assert sum(c["view_count"] for c in data["consents"]) == rows * 2


def test_record_page_queries(client, ended, mentee, django_assert_num_queries):
    client.force_login(mentee)
    # session, user, mentorship (+people, cohort, program)
    with django_assert_num_queries(3):
        assert client.get(url("reviews:record", ended)).status_code == 200
