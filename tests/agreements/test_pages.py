"""Agreement pages: who may open what, the draft editor, signing and amending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from agreements import services as agreements
from agreements.models import AgreementVersion, Signature
from tests import factories

ACTORS = [
    "mentor",
    "mentee",
    "coordinator",
    "supervisor",
    "other_coordinator",
    "outsider",
]
# route → status for each actor, in the order of ACTORS
MATRIX = {
    ("detail", "get"): [200, 200, 200, 404, 404, 404],
    ("start", "post"): [302, 302, 403, 404, 404, 404],
    ("amend", "get"): [200, 200, 403, 404, 404, 404],
    ("edit", "get"): [200, 200, 403, 404, 404, 404],
    ("propose", "post"): [302, 302, 403, 404, 404, 404],
    ("sign", "get"): [200, 200, 403, 404, 404, 404],
    ("waive_notice", "post"): [302, 302, 403, 404, 404, 404],
}


@pytest.fixture
def version(mentorship, mentor):
    return agreements.start_agreement(
        mentorship=mentorship, actor=mentor
    ).versions.get()


def _url(route, mentorship, version):
    target = mentorship if route in {"detail", "start", "amend"} else version
    return reverse(f"agreements:{route}", args=[target.public_id])


@pytest.mark.parametrize(
    ("route", "method", "actor", "status"),
    [
        pytest.param(route, method, actor, statuses[i], id=f"{route}-{actor}")
        for (route, method), statuses in MATRIX.items()
        for i, actor in enumerate(ACTORS)
    ],
)
def test_who_may_open_what(
    client, request, mentorship, version, route, method, actor, status
):
    client.force_login(request.getfixturevalue(actor))
    response = getattr(client, method)(_url(route, mentorship, version))
    assert response.status_code == status


@pytest.mark.parametrize(("route", "method"), MATRIX)
def test_anonymous_users_go_to_login(client, mentorship, version, route, method):
    response = getattr(client, method)(_url(route, mentorship, version))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(("route", "method"), MATRIX)
def test_wrong_method_is_refused(client, mentor, mentorship, version, route, method):
    client.force_login(mentor)
    wrong = "delete" if method == "get" else "get"
    assert getattr(client, wrong)(_url(route, mentorship, version)).status_code == 405


def test_the_coordinator_sees_state_but_not_content(client, coordinator, mentorship):
    factories.effective_agreement(mentorship)
    client.force_login(coordinator)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert "In effect since" in page.text
    assert "Grow into a technical lead role." not in page.text
    assert "Lead a design review" not in page.text


def test_the_pair_sees_who_can_read_it(client, mentee, mentorship):
    factories.effective_agreement(mentorship)
    client.force_login(mentee)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert "Grow into a technical lead role." in page.text
    assert "Visible to Maya Mentor and Eli Mentee only" in page.text


SECTIONS = {
    "purpose": "Grow into a lead role.",
    "cadence": "biweekly",
    "cadence_days": "",
    "formats": ["video"],
    "channels": ["chat"],
    "supervisor_sharing": "with_consent",
    "retention_days": "365",
    "retention_anchor": "written",
    "review_cadence": "quarterly",
    "scorecard_dimensions": "Skills, Delivery",
    "notice_days": "14",
    "confidential_kinds": "Career Plans, career plans",
}


def _draft_post(cohort, sections=None, criteria=None, exceptions=None, seen=None):
    data = {f"sections-{k}": v for k, v in {**SECTIONS, **(sections or {})}.items()}
    if seen is not None:
        data["draft-seen_updated_at"] = seen.isoformat()
    rows = {"criteria": criteria, "exceptions": exceptions}
    rows["criteria"] = (
        [
            {
                "description": "Lead design reviews",
                "metric": "reviews led",
                "target": "2",
                "due_on": str(cohort.starts_on + timedelta(days=30)),
                "method": "deliverable",
            }
        ]
        if criteria is None
        else criteria
    )
    rows["exceptions"] = exceptions or []
    for prefix, items in rows.items():
        data.update({f"{prefix}-TOTAL_FORMS": len(items), f"{prefix}-INITIAL_FORMS": 0})
        for i, item in enumerate(items):
            data.update({f"{prefix}-{i}-{k}": v for k, v in item.items()})
    return data


def test_a_party_saves_the_draft(client, mentee, cohort, version):
    client.force_login(mentee)
    exceptions = [{"kind": "legal", "description": "Court order"}]
    response = client.post(
        reverse("agreements:edit", args=[version.public_id]),
        _draft_post(cohort, exceptions=exceptions, seen=version.updated_at),
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.purpose == "Grow into a lead role."
    assert version.confidential_kinds == ["career plans"]
    assert version.last_edited_by == mentee
    assert [c.metric for c in version.criteria.all()] == ["reviews led"]
    assert [e.kind for e in version.exceptions.all()] == ["legal"]


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        (
            {
                "criteria": [
                    {
                        "description": "Vague",
                        "metric": "",
                        "target": "",
                        "due_on": "2026-12-01",
                        "method": "deliverable",
                    }
                ]
            },
            "metric",
            "required",
        ),
        (
            {
                "criteria": [
                    {
                        "description": "Late",
                        "metric": "m",
                        "target": "t",
                        "due_on": "2099-01-01",
                        "method": "deliverable",
                    }
                ]
            },
            "due_on",
            "within the cohort",
        ),
        (
            {"sections": {"cadence": "custom", "cadence_days": "0"}},
            "cadence_days",
            "number of days",
        ),
        (
            {"sections": {"retention_days": "5000"}},
            "retention_days",
            "between 30 and 730",
        ),
        (
            {"sections": {"notice_days": "-1"}},
            "notice_days",
            "greater than or equal to 0",
        ),
    ],
)
def test_bad_draft_input_is_refused_at_the_field(
    client, mentor, cohort, version, post, field, message
):
    client.force_login(mentor)
    data = _draft_post(cohort, **post)
    response = client.post(reverse("agreements:edit", args=[version.public_id]), data)
    assert response.status_code == 200
    forms = response.context["forms"]
    errors = (
        forms.sections.errors
        if field in forms.sections.fields
        else forms.criteria.errors[0]
    )
    assert message in " ".join(errors[field])
    assert "Grow into a lead role." in response.text  # what was typed stays
    version.refresh_from_db()
    assert version.purpose == "" and not version.criteria.exists()


def test_proposing_an_incomplete_draft_explains_why(
    client, mentor, mentorship, version
):
    client.force_login(mentor)
    response = client.post(
        reverse("agreements:propose", args=[version.public_id]), follow=True
    )
    assert "Write the shared purpose." in response.text
    version.refresh_from_db()
    assert version.status == AgreementVersion.Status.DRAFT


def _proposed(version, mentor):
    agreements.update_draft(
        version=version, editor=mentor, draft=factories.complete_draft()
    )
    return agreements.propose(version=version, actor=mentor)


def test_signing_through_the_form(client, mentor, version):
    version = _proposed(version, mentor)
    client.force_login(mentor)
    url = reverse("agreements:sign", args=[version.public_id])
    page = client.get(url)
    assert f'value="{version.content_hash}"' in page.text
    form = {
        "typed_name": "Maya Mentor",
        "password": "wrong",
        "intent": "on",
        "seen_hash": version.content_hash,
    }
    refused = client.post(url, form)
    assert "This is not your password." in refused.text
    assert 'value="Maya Mentor"' in refused.text
    assert not Signature.objects.exists()
    response = client.post(
        url,
        {**form, "password": factories.PASSWORD},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="TestBrowser/1",
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.ip_address, signature.user_agent) == ("10.1.2.3", "TestBrowser/1")


def test_signing_a_version_that_changed_meanwhile_is_refused(
    client, mentor, mentee, version
):
    version = _proposed(version, mentor)
    shown = version.content_hash
    agreements.update_draft(
        version=version,
        editor=mentee,
        draft=factories.complete_draft(purpose="Changed"),
    )
    agreements.propose(version=version, actor=mentee)
    client.force_login(mentor)
    response = client.post(
        reverse("agreements:sign", args=[version.public_id]),
        {
            "typed_name": "Maya Mentor",
            "password": factories.PASSWORD,
            "intent": "on",
            "seen_hash": shown,
        },
    )
    assert "changed after you opened it" in response.text
    assert not Signature.objects.exists()


def test_opening_an_amendment(client, mentee, mentorship):
    factories.effective_agreement(mentorship)
    client.force_login(mentee)
    url = reverse("agreements:amend", args=[mentorship.public_id])
    assert "rationale" in client.post(url, {"rationale": ""}).context["form"].errors
    response = client.post(url, {"rationale": "Weekly meetings"})
    amendment = AgreementVersion.objects.get(number=2)
    assert response.url == reverse("agreements:edit", args=[amendment.public_id])
    assert amendment.rationale == "Weekly meetings"


@pytest.mark.parametrize("amendments", [0, 3])
def test_agreement_page_queries_do_not_grow_with_history(
    client, mentor, mentee, mentorship, django_assert_num_queries, amendments
):
    first = factories.effective_agreement(mentorship)
    for n in range(amendments):
        amendment = agreements.propose_amendment(
            agreement=first.agreement, actor=mentee, rationale=f"Change {n}"
        )
        amendment = agreements.propose(version=amendment, actor=mentee)
        for party in (mentor, mentee):
            factories.sign_as(amendment, party)
            agreements.waive_notice(version=amendment, party=party)
    client.force_login(mentor)
    # session, user, mentorship (+people, cohort, program), agreement, versions
    # (+editor), their criteria, exceptions and signatures, disclosures
    with django_assert_num_queries(9):
        response = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert len(response.context["versions"]) == amendments + 1


def test_rows_left_as_they_were_are_kept_and_deleted_rows_go(
    client, mentee, mentorship, version
):
    agreements.update_draft(
        version=version, editor=mentorship.mentor, draft=factories.complete_draft()
    )
    client.force_login(mentee)
    url = reverse("agreements:edit", args=[version.public_id])
    page = client.get(url)
    forms = page.context["forms"]
    data = {}
    for form in (forms.sections, *forms.criteria.forms, *forms.exceptions.forms):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = (
                value if isinstance(value, list) else field.prepare_value(value)
            )
    data["draft-seen_updated_at"] = forms.token["seen_updated_at"].value().isoformat()
    for formset in (forms.criteria, forms.exceptions):
        management = formset.management_form
        data.update(
            {management.add_prefix(k): v for k, v in management.initial.items()}
        )
    data["sections-mentee_aspirations"] = "Lead the next migration."
    data["exceptions-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    version.refresh_from_db()
    assert version.mentee_aspirations == "Lead the next migration."
    assert version.criteria.count() == 1  # untouched, kept
    assert version.exceptions.count() == 0  # ticked for deletion


def test_the_page_shows_who_changed_each_section_last(
    client, mentor, mentee, mentorship, version
):
    agreements.update_draft(
        version=version, editor=mentor, draft=factories.complete_draft()
    )
    draft = factories.complete_draft(mentee_aspirations="Lead the next migration.")
    agreements.update_draft(version=version, editor=mentee, draft=draft)
    version.refresh_from_db()
    editors = {key: edit["by"] for key, edit in version.section_edits.items()}
    assert editors["purpose"] == editors["criteria"] == mentor.pk
    assert editors["aspirations"] == mentee.pk
    assert "scope" not in editors  # nobody changed it
    client.force_login(mentor)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert page.context["edits"]["aspirations"].startswith("Eli Mentee, ")
    assert "Last changed by Maya Mentor" in page.text


def test_guessing_the_password_on_the_sign_form_locks_out(
    client, mentor, version, settings
):
    version = _proposed(version, mentor)
    client.force_login(mentor)
    url = reverse("agreements:sign", args=[version.public_id])
    form = {
        "typed_name": "Maya Mentor",
        "intent": "on",
        "seen_hash": version.content_hash,
    }
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {**form, "password": "a wrong guess"})
    response = client.post(url, {**form, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert not Signature.objects.exists()


def test_the_version_in_force_stays_in_sight_during_an_amendment(
    client, mentee, mentorship
):
    signed = factories.effective_agreement(mentorship)
    agreements.propose_amendment(
        agreement=signed.agreement, actor=mentee, rationale="R"
    )
    client.force_login(mentee)
    page = client.get(reverse("agreements:detail", args=[mentorship.public_id]))
    assert "Version 1 stays in force" in page.text
    assert reverse("agreements:pdf", args=[signed.public_id]) in page.text


def test_a_save_over_the_other_partys_newer_change_is_refused(
    client, mentor, mentee, cohort, version
):
    seen = version.updated_at  # both opened the draft now
    agreements.update_draft(
        version=version,
        editor=mentor,
        draft=factories.complete_draft(purpose="Mentor's"),
    )
    client.force_login(mentee)
    url = reverse("agreements:edit", args=[version.public_id])
    response = client.post(
        url, _draft_post(cohort, sections={"purpose": "Mentee's"}, seen=seen)
    )
    assert response.status_code == 200
    assert "Maya Mentor changed this draft after you opened it" in response.text
    assert "Mentee&#x27;s" in response.text  # what the mentee typed is kept
    version.refresh_from_db()
    assert version.purpose == "Mentor's"
