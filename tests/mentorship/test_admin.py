"""The admin site is for operators, and no side door around the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
