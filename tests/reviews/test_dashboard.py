"""The coordinator's cohort dashboard: its figures, its roster, who may see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agreements import services as agreements
from mentorship.notes import create_note
from reviews.dashboard import DUE_SOON_DAYS
from reviews.models import ProgressReview, SupervisorConsent
from tests import factories
from tests.reviews.cohort_builder import SECRET, build_cohort

URL_NAMES = ["cohort_dashboard", "cohort_dashboard_csv", "cohort_report_pdf"]


def dashboard_url(cohort, name="cohort_dashboard"):
    return reverse(f"reviews:{name}", args=[cohort.public_id])


def test_dashboard_counts_every_figure_of_the_cohort(client, coordinator, cohort):
    # 25 pairs of the builder's mix: pair 24 is closed (its agreement is in effect).
    build_cohort(cohort, 25)
    client.force_login(coordinator)

    totals = client.get(dashboard_url(cohort)).context["totals"]

    assert (totals.mentorships, totals.active, totals.ended) == (25, 24, 1)
    assert totals.agreements == {"none": 2, "draft": 2, "proposed": 2, "effective": 18}
    assert totals.checkins == {
        "held": 95,
        "missed": 19,
        "cancelled": 18,
        "unrecorded": 18,
        "upcoming": 24 * 6,
    }
    assert totals.checkins_due == 95 + 19 + 18
    assert totals.drifting == 3
    assert (totals.reviews_open, totals.reviews_due_soon, totals.reviews_overdue) == (
        24,
        3,
        3,
    )
    # Active consents of the whole cohort, the closed pair's included; withdrawn not.
    assert totals.consents_active == 7
    assert (totals.disclosures, totals.disclosures_informed) == (1, 1)
    assert (totals.destruction_records, totals.notes_destroyed) == (1, 3)


def test_dashboard_names_the_drifting_pairs_longest_first(client, coordinator, cohort):
    build_cohort(cohort, 25)
    client.force_login(coordinator)

    response = client.get(dashboard_url(cohort))

    drifting = response.context["totals"].drifting_pairs
    # Pair i drifts since 1 + i % 30 days ago: 23, then 13, then 3.
    assert [m.mentee.full_name for m in drifting] == [
        "Mentee p23",
        "Mentee p13",
        "Mentee p3",
    ]
    page = response.content.decode()
    since = drifting[0].drifting_since.strftime("%-d %b %Y")
    assert f"since {since}, 2 missed in a row" in page


def test_roster_rows_carry_each_pairs_counts_and_states(client, coordinator, cohort):
    pairs = build_cohort(cohort, 25)
    client.force_login(coordinator)

    rows = list(client.get(dashboard_url(cohort)).context["page"].object_list)

    # Active pairs first, drifting ones leading, then by mentor's name; closed last.
    assert [r.mentor for r in rows[:4]] == [
        "Mentor p23",
        "Mentor p13",
        "Mentor p3",
        "Mentor p0",
    ]
    assert rows[-1].mentor == "Mentor p24" and not rows[-1].is_active
    by_name = {r.mentor: r for r in rows}
    first = by_name["Mentor p0"]  # in effect, amending; statuses held x5, missed
    assert first.agreement == "In effect" and first.agreement_in_effect
    assert first.url == pairs[0].get_absolute_url()
    assert (first.held, first.missed, first.unrecorded, first.upcoming) == (5, 1, 0, 6)
    assert first.has_consent and first.reviews_overdue == 0
    assert first.next_review_on == timezone.localdate() + timedelta(days=60)
    overdue = by_name["Mentor p1"]
    assert overdue.reviews_overdue == 1
    assert overdue.next_review_on == timezone.localdate() - timedelta(days=5)
    assert not overdue.has_consent
    assert by_name["Mentor p7"].agreement == "Draft"
    assert by_name["Mentor p8"].agreement == "Proposed"
    assert by_name["Mentor p9"].agreement == "No agreement yet"
    assert by_name["Mentor p9"].next_review_on is None


def test_roster_shows_50_pairs_a_page(client, coordinator, cohort):
    build_cohort(cohort, 60)
    client.force_login(coordinator)

    first = client.get(dashboard_url(cohort)).context["page"]
    second = client.get(dashboard_url(cohort) + "?page=2").context["page"]

    assert len(first.object_list) == 50 and len(second.object_list) == 10
    assert first.paginator.num_pages == 2
    names = {r.url for r in first.object_list} | {r.url for r in second.object_list}
    assert len(names) == 60
    assert "Page 2 of 2" in client.get(dashboard_url(cohort) + "?page=2").text


def test_agreement_states_follow_the_version_in_effect_or_open(
    client, coordinator, cohort, mentorship
):
    drafting = factories.mentorship_in(cohort)
    agreements.start_agreement(mentorship=drafting, actor=drafting.mentor)
    proposing = factories.mentorship_in(cohort)
    agreement = agreements.start_agreement(mentorship=proposing, actor=proposing.mentor)
    version = agreement.versions.get()
    agreements.update_draft(
        version=version, editor=proposing.mentor, draft=factories.complete_draft()
    )
    agreements.propose(version=version, actor=proposing.mentee)
    # In effect, with an amendment drafted: still in effect.
    signed = factories.effective_agreement(mentorship)
    agreements.propose_amendment(
        agreement=signed.agreement, actor=mentorship.mentee, rationale="New goals"
    )
    factories.mentorship_in(cohort)
    client.force_login(coordinator)

    response = client.get(dashboard_url(cohort))

    totals = response.context["totals"]
    assert totals.agreements == {"none": 1, "draft": 1, "proposed": 1, "effective": 1}
    states = {r.url: r.agreement for r in response.context["page"].object_list}
    assert states[mentorship.get_absolute_url()] == "In effect"
    assert states[drafting.get_absolute_url()] == "Draft"
    assert states[proposing.get_absolute_url()] == "Proposed"


def test_reviews_due_soon_and_overdue_are_open_reviews_of_active_pairs(
    client, coordinator, cohort, mentorship
):
    today = timezone.localdate()
    mentorship.progress_reviews.all().delete()
    for days in (-1, 0, DUE_SOON_DAYS, DUE_SOON_DAYS + 1):
        ProgressReview.objects.create(
            mentorship=mentorship, due_on=today + timedelta(days)
        )
    version = factories.effective_agreement(factories.mentorship_in(cohort))
    done = version.agreement.mentorship
    done.progress_reviews.all().delete()
    ProgressReview.objects.create(
        mentorship=done,
        due_on=today - timedelta(days=3),
        status="completed",
        version=version,
        outcome="continue",
        completed_at=timezone.now(),
    )
    closed = factories.mentorship_in(cohort)
    ProgressReview.objects.create(mentorship=closed, due_on=today - timedelta(days=9))
    closed.status = "ended"
    closed.save(update_fields=["status"])
    client.force_login(coordinator)

    response = client.get(dashboard_url(cohort))

    totals = response.context["totals"]
    assert (totals.reviews_open, totals.reviews_due_soon, totals.reviews_overdue) == (
        4,
        2,
        1,
    )
    assert f"in the next {DUE_SOON_DAYS} days" in response.text


def test_consents_count_only_while_active(client, coordinator, cohort, mentorship):
    now = timezone.now()
    fields = {
        "mentorship": mentorship,
        "mentee": mentorship.mentee,
        "supervisor": mentorship.supervisor,
        "scope": ["attendance"],
        "granted_at": now - timedelta(days=9),
        "granted_via": "test",
        "text_version": "1",
        "text": "I agree.",
    }
    SupervisorConsent.objects.create(
        **fields, ended_at=now, ended_by=mentorship.mentee, end_reason="withdrawn"
    )
    expired = SupervisorConsent.objects.create(
        **fields, expires_at=now - timedelta(minutes=1)
    )
    client.force_login(coordinator)
    assert client.get(dashboard_url(cohort)).context["totals"].consents_active == 0

    expired.expires_at = now + timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    cache.clear()  # the totals are counted once a minute
    response = client.get(dashboard_url(cohort))
    assert response.context["totals"].consents_active == 1
    assert response.context["page"].object_list[0].has_consent


def test_dashboard_shows_counts_never_content(client, coordinator, cohort):
    pairs = build_cohort(cohort, 25)
    note_text = "canary-note-on-dashboard-91c2"
    create_note(
        mentorship=pairs[0], author=pairs[0].mentee, body=note_text, visibility="shared"
    )
    client.force_login(coordinator)

    page = client.get(dashboard_url(cohort)).text

    assert SECRET not in page and note_text not in page
    assert "Mentor p0 → Mentee p0" in page


def test_names_are_escaped(client, coordinator, cohort):
    pair = factories.mentorship_in(cohort)
    pair.mentor.full_name = '<script>alert("x")</script>'
    pair.mentor.save(update_fields=["full_name"])
    client.force_login(coordinator)

    page = client.get(dashboard_url(cohort)).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize("name", URL_NAMES)
def test_only_the_programs_coordinators_reach_the_dashboard(
    client, request, cohort, mentorship, name
):
    url = dashboard_url(cohort, name)
    expected = {
        "coordinator": 200,
        "mentor": 403,
        "mentee": 403,
        "supervisor": 403,
        "outsider": 404,
        "other_coordinator": 404,
    }
    for actor, status in expected.items():
        client.force_login(request.getfixturevalue(actor))
        assert client.get(url).status_code == status, actor
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", URL_NAMES)
def test_dashboard_answers_get_only(client, coordinator, cohort, name):
    client.force_login(coordinator)
    assert client.post(dashboard_url(cohort, name)).status_code == 405


def test_unknown_cohort_is_404(client, coordinator, cohort):
    client.force_login(coordinator)
    url = reverse(
        "reviews:cohort_dashboard", args=[factories.CohortFactory.build().public_id]
    )
    assert client.get(url).status_code == 404


def test_cohort_page_links_to_the_dashboard(client, coordinator, cohort):
    client.force_login(coordinator)
    page = client.get(cohort.get_absolute_url()).text
    assert f'href="{dashboard_url(cohort)}"' in page
