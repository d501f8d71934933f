"""The coordinators' list of destruction records: metadata only, coordinators only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from mentorship.models import DestructionRecord, RetentionAnchor
from tests import factories

RUN = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def record(mentorship, count=3, **changes):
    fields = {
        "mentorship": mentorship,
        "note_count": count,
        "oldest_created_at": datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        "newest_created_at": datetime(2024, 5, 20, 17, 30, tzinfo=UTC),
        "retention_days": 365,
        "retention_anchor": RetentionAnchor.WRITTEN,
        "due_at": datetime(2025, 5, 1, 9, 0, tzinfo=UTC),
        "run_at": RUN,
        "task_id": "5f0c-task",
        "verified": True,
    }
    return DestructionRecord.objects.create(**{**fields, **changes})


def url(cohort):
    return reverse("mentorship:destruction_records", args=[cohort.public_id])


def test_coordinator_sees_the_cohorts_records(client, coordinator, cohort, mentorship):
    record(mentorship, count=7)
    record(mentorship, count=2, verified=False, run_at=RUN - timedelta(hours=1))
    elsewhere = factories.mentorship_in(factories.CohortFactory(program=cohort.program))
    record(elsewhere, count=99)
    client.force_login(coordinator)

    response = client.get(url(cohort))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Maya Mentor" in page and "Eli Mentee" in page
    assert [r.note_count for r in response.context["page"]] == [7, 2]
    assert "365 days after the note is written" in page
    assert "1 May 2024 09:00 – 20 May 2024 17:30" in page
    assert "1 May 2025 09:00" in page  # due
    assert "1 Jun 2025 12:00" in page  # run
    assert "none left" in page and "not verified" in page
    assert ">99<" not in page  # another cohort's record


def test_no_records_yet(client, coordinator, cohort):
    client.force_login(coordinator)

    response = client.get(url(cohort))

    assert "have reached the end of their retention period yet" in (
        response.content.decode()
    )


def test_anonymous_is_sent_to_login(client, cohort):
    response = client.get(url(cohort))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("mentor", 403),
        ("mentee", 403),
        ("supervisor", 403),
        ("outsider", 404),
        ("other_coordinator", 404),
    ],
)
def test_only_the_programs_coordinators_see_records(
    client, request, mentorship, actor, status
):
    record(mentorship)
    client.force_login(request.getfixturevalue(actor))

    assert client.get(url(mentorship.cohort)).status_code == status


def test_unknown_cohort_is_404(client, coordinator):
    client.force_login(coordinator)

    response = client.get(
        reverse(
            "mentorship:destruction_records",
            args=["00000000-0000-4000-8000-000000000000"],
        )
    )

    assert response.status_code == 404


def test_post_is_not_allowed(client, coordinator, cohort):
    client.force_login(coordinator)

    assert client.post(url(cohort)).status_code == 405


def test_records_are_paged(client, coordinator, cohort, mentorship):
    DestructionRecord.objects.bulk_create(
        DestructionRecord(
            mentorship=mentorship,
            note_count=1,
            oldest_created_at=RUN,
            newest_created_at=RUN,
            retention_days=30,
            retention_anchor=RetentionAnchor.WRITTEN,
            due_at=RUN,
            run_at=RUN + timedelta(minutes=i),
        )
        for i in range(101)
    )
    client.force_login(coordinator)

    first = client.get(url(cohort))
    second = client.get(url(cohort), {"page": 2})

    assert len(first.context["page"]) == 100
    assert "Page 1 of 2" in first.content.decode()
    assert len(second.context["page"]) == 1
    assert second.context["page"][0].run_at == RUN  # the oldest, last


@pytest.mark.parametrize("rows", [2, 50])
def test_records_page_queries_flat(
    client, coordinator, cohort, rows, django_assert_num_queries
):
    for _ in range(rows):
        record(factories.mentorship_in(cohort))
    client.force_login(coordinator)
    # session, user, cohort (+program, access), record count (paginator), records
    # (+mentorship, mentor, mentee)
    with django_assert_num_queries(5):
        response = client.get(url(cohort))
    assert len(response.context["page"]) == rows
