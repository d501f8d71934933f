"""Check-in pages: who may open them, what bad input does, and their query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from mentorship import checkins
from mentorship.models import CheckIn
from mentorship.notes import create_note
from tests import factories
from tests.mentorship.checkin_helpers import past_checkin, sign_terms


@pytest.fixture
def signed(mentorship):
    return sign_terms(mentorship)


@pytest.fixture
def upcoming(signed):
    return signed.checkins.upcoming().first()


def _pages(mentorship, checkin):
    m, c = mentorship.public_id, checkin.public_id
    return {
        "checkin_detail": reverse("mentorship:checkin_detail", args=[c]),
        "checkin_record": reverse("mentorship:checkin_record", args=[c]),
        "checkin_reschedule": reverse("mentorship:checkin_reschedule", args=[c]),
        "checkin_cancel": reverse("mentorship:checkin_cancel", args=[c]),
        "checkin_add": reverse("mentorship:checkin_add", args=[m]),
        "meeting_time": reverse("mentorship:meeting_time", args=[m]),
    }


ACTORS = {
    "mentor": 200,
    "mentee": 200,
    "coordinator": 404,  # check-in content is the pair's alone
    "supervisor": 404,
    "outsider": 404,
    "other_coordinator": 404,
}


@pytest.mark.parametrize(
    "page",
    [
        "checkin_detail",
        "checkin_record",
        "checkin_reschedule",
        "checkin_cancel",
        "checkin_add",
        "meeting_time",
    ],
)
@pytest.mark.parametrize(("actor", "status"), list(ACTORS.items()))
def test_checkin_pages_answer_only_the_pair(
    client, request, signed, upcoming, page, actor, status
):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(_pages(signed, upcoming)[page]).status_code == status


def test_anonymous_is_sent_to_login(client, signed, upcoming):
    for url in _pages(signed, upcoming).values():
        response = client.get(url)
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )


def test_unknown_and_foreign_ids_answer_the_same_404(client, mentor, signed, upcoming):
    other = sign_terms(factories.mentorship_in(signed.cohort))
    foreign = other.checkins.first()
    client.force_login(mentor)
    unknown = client.get(
        reverse(
            "mentorship:checkin_detail", args=["00000000-0000-4000-8000-000000000000"]
        )
    )
    theirs = client.get(foreign.get_absolute_url())
    assert unknown.status_code == theirs.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", unknown.content) == token.sub(b"", theirs.content)


def test_wrong_method_is_refused(client, mentor, signed, upcoming):
    client.force_login(mentor)
    assert client.put(upcoming.get_absolute_url()).status_code == 405
    assert client.post(upcoming.get_absolute_url()).status_code == 405


def test_mentorship_page_shows_the_pair_content_and_the_coordinator_counts(
    client, signed, coordinator
):
    checkin = past_checkin(signed, hours_ago=3)
    client.force_login(signed.mentor)
    pair_page = client.get(signed.get_absolute_url()).content.decode()
    assert checkin.get_absolute_url() in pair_page
    client.force_login(coordinator)
    coordinator_page = client.get(signed.get_absolute_url()).content.decode()
    assert "Coordinators see counts only" in coordinator_page
    assert checkin.get_absolute_url() not in coordinator_page


def test_a_pair_member_adds_moves_and_cancels_through_the_pages(
    client, signed, upcoming
):
    client.force_login(signed.mentee)
    when = (timezone.localtime() + timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    response = client.post(
        reverse("mentorship:checkin_add", args=[signed.public_id]),
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "duration": "45"},
    )
    extra = signed.checkins.get(origin="extra")
    assert response.status_code == 302 and extra.duration_minutes == 45
    response = client.post(
        reverse("mentorship:checkin_reschedule", args=[upcoming.public_id]),
        {
            "scheduled_at": (when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Travel",
        },
    )
    upcoming.refresh_from_db()
    assert response.status_code == 302 and upcoming.change_reason == "Travel"
    client.post(
        reverse("mentorship:checkin_cancel", args=[extra.public_id]), {"reason": "Ill"}
    )
    extra.refresh_from_db()
    assert extra.status == "cancelled"


def test_the_mentees_time_zone_reads_the_typed_time(client, signed):
    signed.mentee.time_zone = "America/New_York"
    signed.mentee.save()
    client.force_login(signed.mentee)
    day = timezone.localdate() + timedelta(days=5)
    client.post(
        reverse("mentorship:checkin_add", args=[signed.public_id]),
        {"scheduled_at": f"{day:%Y-%m-%d}T09:00", "duration": "60"},
    )
    extra = signed.checkins.get(origin="extra")
    local = extra.scheduled_at.astimezone(signed.mentee.zone)
    assert (local.date(), local.hour) == (day, 9)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"scheduled_at": "not a date", "duration": "60"},
            "scheduled_at",
            "valid date",
        ),
        (
            {"scheduled_at": "2001-01-01T10:00", "duration": "60"},
            "scheduled_at",
            "in the future",
        ),
        (
            {"scheduled_at": "2099-01-01T10:00", "duration": "0"},
            "duration",
            "greater than or equal to 5",
        ),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(
    client, signed, data, field, message
):
    client.force_login(signed.mentor)
    response = client.post(
        reverse("mentorship:checkin_add", args=[signed.public_id]), data
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert data["scheduled_at"] in response.content.decode()
    assert not signed.checkins.filter(origin="extra").exists()


def test_recording_through_the_page_keeps_feedback_and_ratings(client, signed):
    checkin = past_checkin(signed)
    client.force_login(signed.mentor)
    data = {
        "status": "held",
        "format": "phone",
        "alignment": "On track",
        "progress": "Good",
        "next_steps": "More",
        "rating_0": "4",
        "rating_2": "",
        "feedback-TOTAL_FORMS": "2",
        "feedback-INITIAL_FORMS": "0",
        "feedback-MIN_NUM_FORMS": "1",
        "feedback-MAX_NUM_FORMS": "10",
        "feedback-0-situation": "S",
        "feedback-0-observation": "O",
        "feedback-0-impact": "I",
        "feedback-0-suggestion": "G",
    }
    response = client.post(
        reverse("mentorship:checkin_record", args=[checkin.public_id]), data
    )
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == "held" and checkin.feedback_items.count() == 1
    assert list(checkin.ratings.values_list("rating", flat=True)) == [4]


def test_half_filled_feedback_is_refused_and_nothing_saved(client, signed):
    checkin = past_checkin(signed)
    client.force_login(signed.mentor)
    data = {
        "status": "held",
        "format": "phone",
        "feedback-TOTAL_FORMS": "1",
        "feedback-INITIAL_FORMS": "0",
        "feedback-MIN_NUM_FORMS": "1",
        "feedback-MAX_NUM_FORMS": "10",
        "feedback-0-situation": "Only the situation",
    }
    response = client.post(
        reverse("mentorship:checkin_record", args=[checkin.public_id]), data
    )
    assert response.status_code == 200
    assert "all four parts" in response.content.decode()
    assert "Only the situation" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.SCHEDULED


def test_recording_page_explains_the_missing_agreement(client, mentorship):
    checkin = past_checkin(mentorship)
    client.force_login(mentorship.mentee)
    page = client.get(reverse("mentorship:checkin_record", args=[checkin.public_id]))
    assert "once your mentoring agreement is signed" in page.content.decode()
    client.post(
        reverse("mentorship:checkin_record", args=[checkin.public_id]),
        {"status": "missed"},
    )
    checkin.refresh_from_db()
    assert checkin.status == "scheduled"


def _day(moment, user):
    return dateformat.format(timezone.localtime(moment, user.zone), "j M Y")


def test_mentorship_page_shows_the_agreement_in_effect(client, mentorship, mentor):
    client.force_login(mentor)
    page = client.get(mentorship.get_absolute_url()).content.decode()
    assert "No signed agreement yet" in page and "Signed, in effect" not in page
    version = factories.effective_agreement(mentorship)
    mentorship.refresh_from_db()
    assert mentorship.terms_effective_at == version.effective_at
    page = client.get(mentorship.get_absolute_url()).content.decode()
    since = _day(version.effective_at, mentor)
    assert f"Signed, in effect since {since}" in page
    assert "No signed agreement yet" not in page


def test_mentorship_page_shows_the_drifting_banner(client, signed, coordinator):
    client.force_login(signed.mentee)
    assert "Drifting since" not in client.get(signed.get_absolute_url()).text
    checkins.record(
        checkin=past_checkin(signed, hours_ago=200),
        actor=signed.mentor,
        fields={"status": "missed"},
        feedback=[],
        ratings={},
    )
    past_checkin(signed, hours_ago=100)  # unrecorded past the grace period
    assert checkins.assess_drift() == 1
    signed.refresh_from_db()
    banner = (
        f"Drifting since {_day(signed.drifting_since, signed.mentee)}: "
        "2 check-ins in a row missed or left unrecorded."
    )
    assert banner in client.get(signed.get_absolute_url()).text
    client.force_login(coordinator)
    assert banner in client.get(signed.get_absolute_url()).text


def _activity_row(page, mentorship):
    """The numbers of the mentorship's row: held, missed, unrecorded, planned, notes."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    (row,) = [r for r in rows if mentorship.get_absolute_url() in r]
    numbers = re.findall(r'<td class="text-end">(\d+)</td>', row)
    return [int(n) for n in numbers], row


def test_cohort_activity_shows_each_pairs_counts(client, coordinator, signed, cohort):
    mentor, mentee = signed.mentor, signed.mentee
    for hours, status in ((300, "held"), (200, "held"), (50, "missed")):
        checkins.record(
            checkin=past_checkin(signed, hours_ago=hours),
            actor=mentor,
            fields={"status": status, "format": "video"},
            feedback=[],
            ratings={},
        )
    past_checkin(signed, hours_ago=3)  # not recorded yet, within the grace period
    series = signed.checkins.upcoming().count()
    assert series == 24  # weekly from today to the cohort's end, 170 days on
    checkins.add_extra(
        mentorship=signed,
        actor=mentee,
        scheduled_at=(timezone.now() + timedelta(days=2)).replace(
            minute=30, second=0, microsecond=0
        ),
        duration=30,
    )
    checkins.cancel(
        checkin=signed.checkins.upcoming().last(), actor=mentor, reason="Leave"
    )
    for author, visibility in (
        (mentor, "private"),
        (mentor, "private"),
        (mentee, "shared"),
    ):
        create_note(mentorship=signed, author=author, body="x", visibility=visibility)
    checkins.assess_drift()
    # Another pair of the cohort, with nothing but one unrecorded check-in.
    other = factories.mentorship_in(cohort)
    past_checkin(other, hours_ago=100)

    client.force_login(coordinator)
    page = client.get(
        reverse("mentorship:cohort_activity", args=[cohort.public_id])
    ).text
    numbers, row = _activity_row(page, signed)
    # held, missed, unrecorded, planned (24 series + 1 extra - 1 cancelled), notes
    assert numbers == [2, 1, 1, 24, 3]
    assert "Signed" in row and "1 missed" in row
    numbers, row = _activity_row(page, other)
    assert numbers == [0, 0, 1, 0, 0]
    assert "Not yet" in row


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_on_the_page_needs_a_reason(client, signed, upcoming, reason):
    client.force_login(signed.mentor)
    url = reverse("mentorship:checkin_cancel", args=[upcoming.public_id])
    response = client.post(url, {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    field = re.search(
        r'<textarea name="reason"[^>]*>.*?</textarea>\s*(.*?)</div>',
        response.text,
        re.S,
    )
    assert 'class="textarea form-control is-invalid"' in field.group(0)
    assert "This field is required." in field.group(1)
    upcoming.refresh_from_db()
    assert (upcoming.status, upcoming.change_reason, upcoming.changed_by) == (
        "scheduled",
        "",
        None,
    )


def test_cancelling_on_the_page_stores_the_reason(client, signed, upcoming):
    client.force_login(signed.mentee)
    response = client.post(
        reverse("mentorship:checkin_cancel", args=[upcoming.public_id]),
        {"reason": "  Eli is ill that week.  "},
    )
    assert response.status_code == 302
    assert response["Location"] == upcoming.get_absolute_url()
    upcoming.refresh_from_db()
    assert (upcoming.status, upcoming.change_reason, upcoming.changed_by) == (
        "cancelled",
        "Eli is ill that week.",
        signed.mentee,
    )
    page = client.get(upcoming.get_absolute_url()).text
    assert "Eli is ill that week." in page


def test_cohort_activity_lists_drifting_pairs_first(client, coordinator, cohort):
    steady = [factories.mentorship_in(cohort) for _ in range(2)]
    drifting = factories.mentorship_in(cohort)
    past_checkin(drifting, hours_ago=100)  # unrecorded past the grace period
    checkins.assess_drift()

    client.force_login(coordinator)
    response = client.get(
        reverse("mentorship:cohort_activity", args=[cohort.public_id])
    )

    rows = list(response.context["rows"])
    assert [row.pk for row in rows][0] == drifting.pk
    assert {row.pk for row in rows[1:]} == {m.pk for m in steady}
