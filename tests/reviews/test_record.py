"""The portable record: what each party's record holds, and the JSON schema."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.urls import reverse

from reviews import record
from reviews.models import SupervisorConsent
from tests.reviews import record_helpers as lived


@pytest.fixture
def ended(mentorship):
    lived.live_and_close(mentorship)
    return mentorship


def download(client, user, mentorship):
    client.force_login(user)
    url = reverse("reviews:record_json", args=[mentorship.public_id])
    response = client.get(url)
    assert response.status_code == 200
    return response


def bodies(data):
    return {note["body"] for note in data["notes"]}


def test_each_party_gets_only_the_notes_they_wrote(client, ended, mentor, mentee):
    mentee_record = download(client, mentee, ended).json()
    mentor_record = download(client, mentor, ended).json()

    assert bodies(mentee_record) == {"Mentee private 0", "Mentee shared 0"}
    assert bodies(mentor_record) == {"Mentor private 0", "Mentor shared 0"}


def test_the_partners_private_and_shared_notes_are_absent(client, ended, mentee):
    text = download(client, mentee, ended).content.decode()

    assert "Mentor private" not in text
    # Shared with the mentee, but the mentor's to take away.
    assert "Mentor shared" not in text


def test_purged_and_expired_notes_are_absent(client, ended, mentee):
    text = download(client, mentee, ended).content.decode()

    assert "Mentee purged" not in text
    assert "Mentee expired" not in text


def test_notes_carry_their_dates_and_visibility(client, ended, mentee):
    data = download(client, mentee, ended).json()

    shared = next(n for n in data["notes"] if n["body"] == "Mentee shared 0")
    assert shared["visibility"] == "shared"
    assert datetime.fromisoformat(shared["expires_at"]) > datetime.fromisoformat(
        shared["created_at"]
    )
    assert set(shared) == {
        "id",
        "created_at",
        "expires_at",
        "visibility",
        "visibility_label",
        "checkin_at",
        "body",
    }


def test_consent_history_is_in_the_mentees_record_only(client, ended, mentor, mentee):
    mentee_record = download(client, mentee, ended).json()
    mentor_response = download(client, mentor, ended)

    (consent,) = mentee_record["consents"]
    stored = SupervisorConsent.objects.get()
    assert consent["text"] == stored.text
    assert consent["text_version"] == stored.text_version
    assert consent["scope"] == ["criteria", "summary"]
    assert consent["summary"] == "Summary 0"
    assert consent["end_reason"] == "withdrawn"
    assert consent["ended_at"] and consent["expires_at"] and consent["granted_at"]
    assert consent["view_count"] == 2 and len(consent["views"]) == 2
    assert "consents" not in mentor_response.json()
    # The agreement's own sharing clause aside, nothing of the consents.
    text = mentor_response.content.decode()
    assert stored.text not in text and "Summary 0" not in text
    assert str(stored.public_id) not in text


def test_signatures_hide_the_other_partys_address_and_browser(
    client, ended, mentor, mentee
):
    mentee_response = download(client, mentee, ended)
    (version,) = mentee_response.json()["agreement_versions"]

    by_role = {s["role"]: s for s in version["signatures"]}
    assert by_role["mentor"]["name"] == "Maya Mentor"
    assert by_role["mentor"]["content_hash"] == version["content_hash"]
    assert by_role["mentor"]["ip_address"] is None
    assert by_role["mentor"]["user_agent"] is None
    assert by_role["mentee"]["ip_address"] == lived.MENTEE_META.ip_address
    text = mentee_response.content.decode()
    assert lived.MENTOR_META.ip_address not in text
    assert lived.MENTOR_META.user_agent not in text
    mentor_text = download(client, mentor, ended).content.decode()
    assert lived.MENTEE_META.ip_address not in mentor_text
    assert lived.MENTEE_META.user_agent not in mentor_text


def test_signed_versions_carry_their_hash_and_sections(client, ended, mentee):
    data = download(client, mentee, ended).json()

    (version,) = data["agreement_versions"]
    signed = ended.agreement.versions.get()
    assert version["number"] == 1 and version["status"] == "effective"
    assert version["content_hash"] == signed.content_hash
    assert version["effective_at"] == signed.effective_at.isoformat()
    fields = {f["name"]: f for s in version["sections"] for f in s["fields"]}
    assert fields["purpose"]["value"] == "Grow into a technical lead role."
    assert fields["cadence"] == {
        "name": "cadence",
        "label": "Meeting cadence",
        "value": "biweekly",
        "text": "Every two weeks",
    }
    assert version["criteria"][0]["description"] == "Lead a design review for the team"
    assert version["exceptions"][0]["description"] == "Risk of harm to anyone."


def test_superseded_versions_are_kept_and_open_drafts_left_out(
    client, mentorship, mentee
):
    first = lived.sign_agreement(mentorship)
    second = lived.amend(first, purpose="Lead the platform team.")
    lived.amend(second, purpose="An amendment never proposed.", sign=False)
    lived.close(mentorship)

    data = download(client, mentee, mentorship).json()

    versions = data["agreement_versions"]
    assert [(v["number"], v["status"]) for v in versions] == [
        (1, "superseded"),
        (2, "effective"),
    ]
    assert versions[0]["superseded_at"] == versions[1]["effective_at"]
    assert versions[1]["sections"][0]["fields"][0]["value"] == (
        "Lead the platform team."
    )
    assert all(len(v["signatures"]) == 2 for v in versions)
    assert "An amendment never proposed." not in json.dumps(data)


def test_review_results_hold_both_parties_assessments(client, ended, mentor):
    data = download(client, mentor, ended).json()

    (review,) = data["reviews"]
    assert review["outcome"] == "continue"
    assert review["outcome_note"] == "Keep going."
    assert review["progress_means"] == "Progress means 1"
    assert review["agreement_version"] == 1
    (criterion,) = review["criteria"]
    assert criterion["description"] == "Lead a design review for the team"
    assert criterion["mentee"] == {
        "status": "on_track",
        "status_label": "On track",
        "rating": 4,
        "evidence": "Evidence of Eli Mentee 1",
    }
    assert criterion["mentor"]["status"] == "at_risk"
    assert criterion["mentor"]["rating"] == 2
    assert {s["dimension"] for s in review["scorecard"]} == set(
        ended.scorecard_dimensions
    )
    assert {s["rating"] for s in review["scorecard"]} == {3}


def test_the_json_follows_the_documented_schema(client, ended, mentee):
    response = download(client, mentee, ended)
    data = response.json()

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert data["schema"] == "mentoring-record/1"
    assert set(data) == {
        "schema",
        "generated_at",
        "requester",
        "mentorship",
        "agreement_versions",
        "notes",
        "reviews",
        "consents",
    }
    assert data["requester"] == {"name": "Eli Mentee", "role": "mentee"}
    facts = data["mentorship"]
    assert facts["closed_by"] == "Maya Mentor" and facts["closed_by_role"] == "mentor"
    assert facts["id"] == str(ended.public_id)
    assert date.fromisoformat(facts["started_on"]) == ended.started_on
    assert datetime.fromisoformat(facts["ended_at"]) == ended.ended_at
    assert datetime.fromisoformat(data["generated_at"]).tzinfo is not None


def test_a_coordinator_who_closed_it_is_named_as_such(
    client, mentorship, mentee, coordinator
):
    lived.sign_agreement(mentorship)
    lived.close(mentorship, by=coordinator)

    facts = download(client, mentee, mentorship).json()["mentorship"]

    assert facts["closed_by"] == "Cora Coordinator"
    assert facts["closed_by_role"] == "coordinator"


def test_an_unsigned_mentorship_has_an_empty_record(client, mentorship, mentor):
    lived.close(mentorship)

    data = download(client, mentor, mentorship).json()

    assert data["agreement_versions"] == [] and data["reviews"] == []
    assert data["notes"] == []


def test_the_record_is_refused_for_an_active_mentorship(mentorship, mentee):
    with pytest.raises(ValueError):
        record.build_record(mentorship=mentorship, requester=mentee)


def test_json_keeps_user_text_as_written(client, mentorship, mentee):
    lived.sign_agreement(mentorship)
    lived.write(mentorship, mentee, '<script>alert("x")</script> & ünïcode')
    lived.close(mentorship)

    response = download(client, mentee, mentorship)

    assert json.loads(response.content)["notes"][0]["body"] == (
        '<script>alert("x")</script> & ünïcode'
    )
