"""The admin site is for operators, and no side door around the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship.models import CheckIn, Mentorship, ScorecardRating
from tests import factories


@pytest.fixture
def operator(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model", ["user", "program", "cohort", "membership", "invitation", "mentorship"]
)
def test_operator_can_list_every_model(client, operator, mentorship, model):
    factories.InvitationFactory(cohort=mentorship.cohort)
    client.force_login(operator)
    assert (
        client.get(reverse(f"admin:mentorship_{model}_changelist")).status_code == 200
    )


@pytest.mark.parametrize("model", ["cohort", "membership", "invitation", "mentorship"])
def test_rules_of_the_services_cannot_be_bypassed_in_the_admin(
    client, operator, mentorship, model
):
    client.force_login(operator)
    assert client.get(reverse(f"admin:mentorship_{model}_add")).status_code == 403
    obj = {
        "cohort": mentorship.cohort,
        "mentorship": mentorship,
        "membership": mentorship.mentor.memberships.get(),
        "invitation": factories.InvitationFactory(cohort=mentorship.cohort),
    }[model]
    url = reverse(f"admin:mentorship_{model}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200  # view only
    assert 'name="_save"' not in page.text


def test_coordinators_are_not_let_into_the_admin(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_mentorships_cannot_be_deleted_in_the_admin(client, operator, mentorship):
    client.force_login(operator)
    url = reverse("admin:mentorship_mentorship_delete", args=[mentorship.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:mentorship_mentorship_changelist"))
    assert "delete_selected" not in changelist.text
    assert Mentorship.objects.filter(pk=mentorship.pk).exists()


def test_a_scorecard_rating_names_no_dimension_or_score(mentorship):
    checkin = CheckIn.objects.create(
        mentorship=mentorship, scheduled_at=timezone.now() + timedelta(days=1)
    )
    rating = ScorecardRating.objects.create(
        checkin=checkin, dimension="Confidence in meetings", rating=2
    )
    assert str(rating) == f"Scorecard rating {rating.pk}"
