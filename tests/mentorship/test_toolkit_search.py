"""Finding toolkit entries: search by word, filter by kind, pages, and query counts.

These hold on SQLite (word match) and PostgreSQL (full-text search) alike; what only
full-text search does (stems, ranking, web-search syntax) is in tests/integration.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from mentorship import toolkit
from mentorship.views.toolkit import PAGE_SIZE
from tests import factories


@pytest.fixture
def published(program, coordinator, mentee):
    """Publish entries by the mentee; return a function that takes their fields."""

    def publish(title, body="Nothing special.", kind="lesson"):
        entry = toolkit.contribute_entry(
            program=program, author=mentee, kind=kind, title=title, body=body
        )
        return toolkit.publish_entry(entry=entry, decided_by=coordinator)

    return publish


def browse(client, program, **params):
    url = reverse("mentorship:toolkit_list", args=[program.public_id])
    return client.get(url, params)


def titles(response):
    return sorted(entry.title for entry in response.context["page"].object_list)


def test_search_finds_entries_by_a_word_in_the_title_or_the_body(
    client, program, mentor, published
):
    published("Send the agenda ahead")
    published("Fixed slots", body="Put the agenda in the invitation.")
    published("Unrelated", body="Pair on a bug fix first.")
    client.force_login(mentor)
    response = browse(client, program, q="agenda")
    assert titles(response) == ["Fixed slots", "Send the agenda ahead"]
    assert 'value="agenda"' in response.text  # the query stays in the box
    assert titles(browse(client, program, q="AGENDA")) == titles(response)


def test_every_word_must_match(client, program, mentor, published):
    published("Agenda ahead", body="Send it on Tuesday.")
    published("Agenda later", body="Send it on Friday.")
    client.force_login(mentor)
    assert titles(browse(client, program, q="agenda tuesday")) == ["Agenda ahead"]
    assert titles(browse(client, program, q="nowhere")) == []
    assert "No published entry matches." in browse(client, program, q="x").text


def test_search_finds_only_published_entries_of_the_program(
    client, program, mentor, mentee, published
):
    published("Published agenda")
    toolkit.contribute_entry(
        program=program, author=mentee, kind="lesson", title="Agenda", body="Wait."
    )
    factories.ToolkitEntryFactory(title="Foreign agenda", published=True)
    client.force_login(mentor)
    assert titles(browse(client, program, q="agenda")) == ["Published agenda"]


def test_filter_by_kind_alone_and_with_a_query(client, program, mentor, published):
    published("Agenda", kind="strategy")
    published("Agenda slips", kind="barrier")
    published("Deadlines", kind="barrier")
    client.force_login(mentor)
    assert titles(browse(client, program, kind="barrier")) == [
        "Agenda slips",
        "Deadlines",
    ]
    assert titles(browse(client, program, kind="barrier", q="agenda")) == [
        "Agenda slips"
    ]


def test_an_unknown_kind_is_shown_at_the_field_and_filters_nothing(
    client, program, mentor, published
):
    published("One")
    client.force_login(mentor)
    response = browse(client, program, kind="gossip", q="One")
    assert response.status_code == 200
    assert "valid choice" in " ".join(response.context["form"].errors["kind"])
    assert 'id="error_1_id_kind"' in response.text
    assert titles(response) == ["One"]


def test_odd_search_text_is_harmless_and_escaped(client, program, mentor, published):
    published("Quotes")
    client.force_login(mentor)
    for query in ('"unclosed', "a & b | !c", "<script>x</script>", "%_\\", "-"):
        response = browse(client, program, q=query)
        assert response.status_code == 200, query
        assert f'value="{escape(query)}"' in response.text  # kept, escaped
        assert "<script>x</script>" not in response.text


def test_pages_keep_the_search(client, program, mentor, published):
    for n in range(PAGE_SIZE + 3):
        published(f"Agenda {n:02}")
    published("Other")
    client.force_login(mentor)
    first = browse(client, program, q="agenda", kind="lesson")
    assert len(first.context["page"].object_list) == PAGE_SIZE
    assert "?q=agenda&amp;kind=lesson&amp;page=2" in first.text
    second = browse(client, program, q="agenda", kind="lesson", page=2)
    assert len(second.context["page"].object_list) == 3


# --- Query counts ---------------------------------------------------------------------


def fill(program, coordinator, mentee, rows):
    """`rows` published entries and `rows` waiting ones, half of them anonymous."""
    for n in range(rows):
        for publish in (True, False):
            entry = toolkit.contribute_entry(
                program=program,
                author=mentee,
                kind="lesson",
                title=f"Agenda {n}",
                body="Send it ahead.",
                is_anonymous=bool(n % 2),
            )
            if publish:
                toolkit.publish_entry(entry=entry, decided_by=coordinator)


@pytest.mark.parametrize("rows", [2, 30])
@pytest.mark.parametrize("params", [{}, {"q": "agenda", "kind": "lesson"}])
def test_browse_queries_are_flat_for_a_participant(
    rows, params, client, program, coordinator, mentee, django_assert_num_queries
):
    fill(program, coordinator, mentee, rows)
    client.force_login(mentee)
    # session, user, program (+coordinator flag), page count, may-contribute,
    # entries of the page (+author), own entries
    with django_assert_num_queries(7):
        response = browse(client, program, **params)
    assert len(response.context["page"].object_list) == min(rows, PAGE_SIZE)


@pytest.mark.parametrize("rows", [2, 30])
def test_browse_queries_are_flat_for_a_coordinator(
    rows, client, program, coordinator, mentee, django_assert_num_queries
):
    fill(program, coordinator, mentee, rows)
    client.force_login(coordinator)
    # session, user, program (+coordinator flag), page count, may-contribute,
    # waiting count, entries of the page (+author), own entries
    with django_assert_num_queries(8):
        response = browse(client, program, q="agenda")
    assert response.context["waiting"] == rows


@pytest.mark.parametrize("rows", [2, 30])
def test_review_queue_queries_are_flat(
    rows, client, program, coordinator, mentee, django_assert_num_queries
):
    fill(program, coordinator, mentee, rows)
    client.force_login(coordinator)
    url = reverse("mentorship:toolkit_review", args=[program.public_id])
    # session, user, program (+coordinator flag), page count, entries (+author)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["rows"]) == min(rows, PAGE_SIZE)
