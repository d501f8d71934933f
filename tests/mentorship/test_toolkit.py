"""The living toolkit: contributing, anonymity, publishing and declining, browsing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorship import toolkit
from mentorship.models import ToolkitEntry
from mentorship.models.toolkit import BODY_LIMIT, REASON_LIMIT
from tests import factories

SUBMITTED = ToolkitEntry.Status.SUBMITTED
PUBLISHED = ToolkitEntry.Status.PUBLISHED
DECLINED = ToolkitEntry.Status.DECLINED


def contribute(program, author, **fields):
    values = {"kind": "lesson", "title": "Agree one goal", "body": "It helps."}
    return toolkit.contribute_entry(
        program=program, author=author, **{**values, **fields}
    )


def list_url(program):
    return reverse("mentorship:toolkit_list", args=[program.public_id])


def create_url(program):
    return reverse("mentorship:toolkit_create", args=[program.public_id])


def review_url(program):
    return reverse("mentorship:toolkit_review", args=[program.public_id])


def decide_url(action, entry):
    return reverse(f"mentorship:toolkit_{action}", args=[entry.public_id])


def listed(response):
    return [entry.title for entry in response.context["page"].object_list]


# --- Contributing ---------------------------------------------------------------------


def test_mentee_contributes_an_entry_that_waits_for_review(
    client, program, mentee, mentor
):
    client.force_login(mentee)
    response = client.post(
        create_url(program),
        {
            "kind": "strategy",
            "title": "Send the agenda ahead",
            "body": "Three bullet points the day before.",
            "link": "https://example.org/agenda",
        },
    )
    assert response.status_code == 302
    assert response.url == list_url(program)
    entry = ToolkitEntry.objects.get()
    assert (entry.program, entry.author, entry.kind) == (program, mentee, "strategy")
    assert (entry.status, entry.is_anonymous, entry.decided_at) == (
        SUBMITTED,
        False,
        None,
    )
    page = client.get(list_url(program))
    assert listed(page) == []
    assert list(page.context["own_entries"]) == [entry]
    assert "Waiting for review" in page.text
    client.force_login(mentor)
    assert "Send the agenda ahead" not in client.get(list_url(program)).text


def test_a_link_without_a_scheme_becomes_https(client, program, mentor):
    client.force_login(mentor)
    client.post(
        create_url(program),
        {"kind": "resource", "title": "Guide", "body": "Read it.", "link": "ex.org/a"},
    )
    assert ToolkitEntry.objects.get().link == "https://ex.org/a"


VALID = {"kind": "lesson", "title": "Kept title", "body": "Kept body"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"body": "x" * (BODY_LIMIT + 1)}, "body", f"at most {BODY_LIMIT} characters"),
        ({"kind": "gossip"}, "kind", "valid choice"),
        ({"link": "javascript:alert(1)"}, "link", "Enter a valid URL."),
        ({"link": "ftp://files.example.org/x"}, "link", "Enter a valid URL."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(
    client, program, mentor, changes, field, message
):
    client.force_login(mentor)
    response = client.post(create_url(program), {**VALID, **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="error_1_id_{field}"' in response.text  # rendered at the field
    for name in ("title", "body"):
        if name not in changes:
            assert VALID[name] in response.text  # what was typed is kept
    assert not ToolkitEntry.objects.exists()


def test_the_service_refuses_a_blank_entry_and_a_script_link(program, mentor):
    with pytest.raises(ValidationError, match="title"):
        contribute(program, mentor, title=" ")
    with pytest.raises(ValidationError, match="link"):
        contribute(program, mentor, link="javascript:alert(1)")
    assert not ToolkitEntry.objects.exists()


# --- Anonymity ------------------------------------------------------------------------


def test_an_anonymous_entry_names_nobody_but_shows_the_author_it_is_theirs(
    client, program, coordinator, mentor, mentee
):
    entry = contribute(program, mentee, title="Deadlines", is_anonymous=True)
    client.force_login(coordinator)
    review = client.get(review_url(program)).text
    assert "Deadlines" in review and "Anonymous" in review
    assert "Eli Mentee" not in review
    toolkit.publish_entry(entry=entry, decided_by=coordinator)
    for reader in (coordinator, mentor):
        client.force_login(reader)
        page = client.get(list_url(program)).text
        assert "Deadlines" in page and "Anonymous" in page
        assert "Eli Mentee" not in page and "(shown to others" not in page
    client.force_login(mentee)
    assert (
        "Shared by you (shown to others as Anonymous)"
        in client.get(list_url(program)).text
    )


def test_a_named_entry_shows_its_author(client, program, coordinator, mentee, mentor):
    entry = contribute(program, mentee, title="Named")
    toolkit.publish_entry(entry=entry, decided_by=coordinator)
    client.force_login(mentor)
    assert "Shared by Eli Mentee" in client.get(list_url(program)).text


# --- Publishing and declining ---------------------------------------------------------


def test_coordinator_publishes_an_entry_for_everyone(
    client, program, coordinator, mentee, mentor
):
    entry = contribute(program, mentee, title="Worth sharing")
    client.force_login(coordinator)
    response = client.post(decide_url("publish", entry))
    assert response.status_code == 302
    assert response.url == review_url(program)
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by) == (PUBLISHED, coordinator)
    assert entry.decided_at is not None
    assert "Published “Worth sharing”." in client.get(response.url).text
    client.force_login(mentor)
    assert listed(client.get(list_url(program))) == ["Worth sharing"]


def test_coordinator_declines_and_only_the_author_sees_the_reason(
    client, program, coordinator, mentee, mentor
):
    entry = contribute(program, mentee, title="Too specific")
    client.force_login(coordinator)
    field = f"{entry.public_id}-decline_reason"
    response = client.post(decide_url("decline", entry), {field: "Names a client."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.decline_reason) == (DECLINED, "Names a client.")
    assert client.get(review_url(program)).context["rows"] == []
    client.force_login(mentee)
    page = client.get(list_url(program))
    assert listed(page) == []
    assert "Declined" in page.text and "Names a client." in page.text
    client.force_login(mentor)
    assert "Too specific" not in client.get(list_url(program)).text


def test_an_overlong_decline_reason_is_shown_at_the_field_and_kept(
    client, program, coordinator, mentee
):
    entry = contribute(program, mentee)
    client.force_login(coordinator)
    field = f"{entry.public_id}-decline_reason"
    reason = "Too long " + "x" * REASON_LIMIT
    response = client.post(decide_url("decline", entry), {field: reason})
    assert response.status_code == 200
    assert f'id="error_1_id_{field}"' in response.text
    assert reason in response.text
    entry.refresh_from_db()
    assert entry.status == SUBMITTED


@pytest.mark.parametrize("first", ["publish", "decline"])
def test_an_entry_is_decided_once(client, program, coordinator, mentee, first):
    entry = contribute(program, mentee)
    client.force_login(coordinator)
    client.post(decide_url(first, entry))
    entry.refresh_from_db()
    decided = (entry.status, entry.decided_at)
    for action in ("publish", "decline"):
        response = client.post(decide_url(action, entry), follow=True)
        assert "already" in response.text
    entry.refresh_from_db()
    assert (entry.status, entry.decided_at) == decided


# --- Browsing -------------------------------------------------------------------------


def test_browsing_shows_only_this_programs_published_entries(
    client, program, coordinator, mentor, mentee
):
    for title in ("Shown", "Waiting", "Declined"):
        entry = contribute(program, mentee, title=title)
        if title == "Shown":
            toolkit.publish_entry(entry=entry, decided_by=coordinator)
        if title == "Declined":
            toolkit.decline_entry(entry=entry, decided_by=coordinator)
    factories.ToolkitEntryFactory(title="Elsewhere", published=True)
    client.force_login(mentor)
    response = client.get(list_url(program))
    assert listed(response) == ["Shown"]
    assert "Waiting" not in response.text and "Elsewhere" not in response.text


def test_user_text_is_shown_escaped(client, program, coordinator, mentee, mentor):
    script = "<script>alert(1)</script>"
    entry = contribute(
        program,
        mentee,
        title=f"T {script}",
        body=f"B {script}",
        link="https://e.org/?q=<b>",
    )
    client.force_login(coordinator)
    review = client.get(review_url(program)).text
    toolkit.publish_entry(entry=entry, decided_by=coordinator)
    client.force_login(mentor)
    for page in (review, client.get(list_url(program)).text):
        assert script not in page and "<b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_program_detail_links_to_the_toolkit(client, program, coordinator):
    client.force_login(coordinator)
    page = client.get(program.get_absolute_url()).text
    assert f'href="{list_url(program)}"' in page
