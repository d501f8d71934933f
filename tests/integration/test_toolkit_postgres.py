"""The toolkit on PostgreSQL: full-text search (stems, ranking, web-search syntax)
and the entry's constraints."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorship import toolkit
from mentorship.models import ToolkitEntry
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def publish(program, coordinator, mentee):
    def publish(title, body="Nothing special.", kind="lesson"):
        entry = toolkit.contribute_entry(
            program=program, author=mentee, kind=kind, title=title, body=body
        )
        return toolkit.publish_entry(entry=entry, decided_by=coordinator)

    return publish


def found(program, query, **filters):
    return [e.title for e in toolkit.published_entries(program, query=query, **filters)]


def test_search_matches_word_forms(program, publish):
    publish("Running meetings", body="Our meetings were planned badly.")
    publish("Other", body="Nothing to see.")
    assert found(program, "meeting plan") == ["Running meetings"]
    assert found(program, "planning") == ["Running meetings"]


def test_a_title_match_ranks_above_a_body_match(program, publish):
    publish("Send the agenda", body="Ahead of time.")
    publish("Fixed slots", body="Put the agenda in the invitation.")
    publish("Older but in the title: agenda agenda")
    results = found(program, "agenda")
    assert set(results[:2]) == {
        "Send the agenda",
        "Older but in the title: agenda agenda",
    }
    assert results[-1] == "Fixed slots"


def test_web_search_syntax(program, publish):
    publish("Fixed slot", body="A fixed slot outside sprint ceremonies.")
    publish("Slot fixed later", body="We fixed it in the end; the slot moved.")
    publish("Agenda by email", body="Send the agenda by email.")
    assert found(program, '"fixed slot"') == ["Fixed slot"]
    assert sorted(found(program, "slot or email")) == [
        "Agenda by email",
        "Fixed slot",
        "Slot fixed later",
    ]
    assert sorted(found(program, "slot -ceremonies")) == ["Slot fixed later"]


@pytest.mark.parametrize("query", ["the", '"', "a & b | !c", "<script>", "%_\\", "-"])
def test_odd_queries_do_not_fail(program, publish, query):
    publish("The agenda")
    assert isinstance(found(program, query), list)


def test_search_keeps_to_the_program_and_the_kind(program, publish):
    publish("Agenda", kind="strategy")
    publish("Agenda slips", kind="barrier")
    factories.ToolkitEntryFactory(title="Agenda elsewhere", published=True)
    assert found(program, "agenda", kind="barrier") == ["Agenda slips"]
    assert sorted(found(program, "agenda")) == ["Agenda", "Agenda slips"]


@pytest.mark.parametrize("rows", [2, 30])
def test_search_page_queries_are_flat(
    rows, client, program, mentee, publish, django_assert_num_queries
):
    for n in range(rows):
        publish(f"Agenda {n}", body="Meetings planned ahead.")
    client.force_login(mentee)
    url = reverse("mentorship:toolkit_list", args=[program.public_id])
    # session, user, program, page count, may-contribute, page (+author), own entries
    with django_assert_num_queries(7):
        response = client.get(url, {"q": "meeting planning"})
    assert len(response.context["page"].object_list) == min(rows, 20)


# --- Constraints ----------------------------------------------------------------------


def _entry(program, **fields):
    values = {"program": program, "kind": "lesson", "title": "T", "body": "B"}
    return ToolkitEntry.objects.create(**{**values, **fields})


VIOLATIONS = {
    "toolkit_entry_link_is_web": {"link": "javascript:alert(1)"},
    "toolkit_entry_has_text": {"title": ""},
    "toolkit_entry_decision_has_time": {"status": "published"},
    "toolkit_entry_reason_only_when_declined": {
        "status": "published",
        "decided_at": timezone.now(),
        "decline_reason": "Why",
    },
}


@pytest.mark.parametrize(("name", "fields"), VIOLATIONS.items(), ids=list(VIOLATIONS))
def test_the_database_enforces_the_entry_constraints(program, name, fields):
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        _entry(program, **fields)
    assert _entry(program, link="HTTPS://example.org").pk
