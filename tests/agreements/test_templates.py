"""Coordinators keep agreement templates; a cohort's agreements start from its choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements import services as agreements
from agreements.models import AgreementTemplate, CohortTemplate

ACTORS = ["coordinator", "mentor", "supervisor", "other_coordinator", "outsider"]
FORM = {
    "sections-name": "Standard",
    "sections-purpose": "Grow together.",
    "sections-cadence": "monthly",
    "sections-supervisor_sharing": "with_consent",
    "sections-retention_days": "180",
    "sections-retention_anchor": "closed",
    "sections-review_cadence": "quarterly",
    "sections-scorecard_dimensions": "Skills",
    "sections-notice_days": "30",
    "exceptions-TOTAL_FORMS": "1",
    "exceptions-INITIAL_FORMS": "0",
    "exceptions-0-kind": "legal",
    "exceptions-0-description": "A court order.",
}


@pytest.fixture
def template(program):
    return agreements.save_template(
        program=program, template=None, fields={"name": "Base"}, exceptions=[]
    )


@pytest.mark.parametrize(
    ("route", "statuses"),
    [
        ("templates", [200, 403, 403, 404, 404]),
        ("template_create", [200, 403, 403, 404, 404]),
        ("template_edit", [200, 404, 404, 404, 404]),
        ("cohort_template", [200, 403, 403, 404, 404]),
    ],
)
def test_only_the_programs_coordinators_manage_templates(
    client, request, program, cohort, mentorship, template, route, statuses
):
    target = {
        "templates": program,
        "template_create": program,
        "template_edit": template,
    }
    url = reverse(f"agreements:{route}", args=[target.get(route, cohort).public_id])
    for actor, status in zip(ACTORS, statuses, strict=True):
        client.force_login(request.getfixturevalue(actor))
        assert client.get(url).status_code == status, actor


def test_coordinator_creates_a_template_with_default_exceptions(
    client, coordinator, program
):
    client.force_login(coordinator)
    response = client.post(
        reverse("agreements:template_create", args=[program.public_id]), FORM
    )
    assert response.status_code == 302
    template = AgreementTemplate.objects.get()
    assert (template.name, template.cadence, template.notice_days) == (
        "Standard",
        "monthly",
        30,
    )
    assert template.default_exceptions == [
        {"kind": "legal", "description": "A court order."}
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sections-retention_days": "9999"}, "retention_days", "between 30 and 730"),
        (
            {"sections-cadence": "custom", "sections-cadence_days": ""},
            "cadence_days",
            "number of days",
        ),
        ({"sections-notice_days": "-3"}, "notice_days", "greater than or equal to 0"),
        ({"sections-name": "base"}, "name", "already has a template"),
    ],
)
def test_bad_template_input_is_refused_at_the_field(
    client, coordinator, program, template, changes, field, message
):
    client.force_login(coordinator)
    url = reverse("agreements:template_create", args=[program.public_id])
    response = client.post(url, {**FORM, **changes})
    assert message in " ".join(response.context["form"].errors[field])
    assert "Grow together." in response.text
    assert AgreementTemplate.objects.count() == 1


def test_a_cohort_chooses_its_template_and_new_agreements_start_from_it(
    client, coordinator, cohort, mentorship, mentor, template
):
    client.force_login(coordinator)
    url = reverse("agreements:cohort_template", args=[cohort.public_id])
    assert client.post(url, {"template": str(template.public_id)}).status_code == 302
    assert CohortTemplate.objects.get(cohort=cohort).template == template
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    assert agreement.versions.get().notice_days == template.notice_days
    client.post(url, {"template": ""})  # back to the program's defaults
    assert not CohortTemplate.objects.exists()


def test_another_programs_template_cannot_be_chosen(
    client, coordinator, cohort, other_coordinator
):
    foreign = AgreementTemplate.objects.create(
        program=other_coordinator.coordinated_programs.get(), name="Theirs"
    )
    client.force_login(coordinator)
    url = reverse("agreements:cohort_template", args=[cohort.public_id])
    response = client.post(url, {"template": str(foreign.public_id)})
    assert "valid choice" in str(response.context["form"].errors["template"])
    assert not CohortTemplate.objects.exists()
