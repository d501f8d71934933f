"""An agreement's life: draft, propose, sign, take effect; who may do what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import hashing
from agreements import services as agreements
from agreements.models import (
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    CohortTemplate,
)
from agreements.services import Draft
from tests import factories

Status = AgreementVersion.Status


@pytest.fixture
def draft(mentorship, mentor):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    return agreement.versions.get()


def test_first_draft_starts_from_the_program_defaults(draft, program):
    assert (draft.number, draft.status) == (1, Status.DRAFT)
    assert draft.cadence == program.default_cadence
    assert draft.retention_days == program.default_retention_days
    assert draft.scorecard_dimensions == program.scorecard_dimensions


def test_first_draft_starts_from_the_cohorts_template(mentorship, mentor, cohort):
    template = AgreementTemplate.objects.create(
        program=cohort.program,
        name="Standard",
        purpose="Template purpose",
        cadence="monthly",
        notice_days=30,
        default_exceptions=[{"kind": "legal", "description": "Court order."}],
    )
    CohortTemplate.objects.create(cohort=cohort, template=template)
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    version = agreement.versions.get()
    assert (version.purpose, version.cadence, version.notice_days) == (
        "Template purpose",
        "monthly",
        30,
    )
    assert [e.kind for e in version.exceptions.all()] == ["legal"]


def test_starting_twice_returns_the_same_agreement(draft, mentorship, mentee):
    again = agreements.start_agreement(mentorship=mentorship, actor=mentee)
    assert again == draft.agreement
    assert again.versions.count() == 1


@pytest.mark.parametrize("actor", ["supervisor", "coordinator", "outsider"])
def test_only_the_pair_acts_on_their_agreement(request, draft, mentorship, actor):
    user = request.getfixturevalue(actor)
    with pytest.raises(PermissionDenied):
        agreements.start_agreement(mentorship=mentorship, actor=user)
    with pytest.raises(PermissionDenied):
        agreements.update_draft(
            version=draft, editor=user, draft=factories.complete_draft()
        )
    with pytest.raises(PermissionDenied):
        agreements.propose(version=draft, actor=user)


def test_a_draft_needs_a_purpose_and_a_criterion_to_be_proposed(draft, mentor):
    with pytest.raises(ValidationError) as error:
        agreements.propose(version=draft, actor=mentor)
    assert "shared purpose" in str(error.value) and "success criterion" in str(
        error.value
    )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def _proposed(draft, mentor):
    agreements.update_draft(
        version=draft, editor=mentor, draft=factories.complete_draft()
    )
    return agreements.propose(version=draft, actor=mentor)


def test_proposing_freezes_the_content_with_its_hash(draft, mentor):
    version = _proposed(draft, mentor)
    assert version.status == Status.PROPOSED
    assert version.content_hash == hashing.content_hash(version)
    assert len(version.content_hash) == 64


def test_both_signatures_make_the_version_effective_and_set_the_terms(
    draft, mentor, mentee, mentorship
):
    version = _proposed(draft, mentor)
    factories.sign_as(version, mentor)
    version.refresh_from_db()
    assert version.status == Status.PROPOSED
    factories.sign_as(version, mentee)
    version.refresh_from_db()
    assert version.status == Status.EFFECTIVE
    mentorship.refresh_from_db()
    assert mentorship.has_signed_terms
    assert (mentorship.cadence, mentorship.retention_days) == (
        version.cadence,
        version.retention_days,
    )
    kinds = list(version.agreement.events.values_list("kind", flat=True))
    assert kinds == ["proposed", "signed", "signed", "effective"]
    assert hashing.verify(version.agreement)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "not my password"}, "password"),
        ({"typed_name": "Someone Else"}, "typed_name"),
        ({"intent_accepted": False}, "intent"),
    ],
)
def test_signing_needs_password_name_and_intent(draft, mentor, changes, field):
    version = _proposed(draft, mentor)
    with pytest.raises(ValidationError) as error:
        factories.sign_as(version, mentor, **changes)
    assert field in error.value.message_dict
    assert not version.signatures.exists()


def test_a_typed_name_is_compared_without_case_or_extra_spaces(draft, mentor):
    version = _proposed(draft, mentor)
    signature = factories.sign_as(version, mentor, typed_name="  maya   MENTOR ")
    assert signature.typed_name == "maya MENTOR"


def test_signing_what_was_not_shown_is_refused(draft, mentor):
    version = _proposed(draft, mentor)
    with pytest.raises(ValidationError, match="changed after you opened it"):
        factories.sign_as(version, mentor, seen_hash="0" * 64)


def test_signing_twice_is_refused(draft, mentor):
    version = _proposed(draft, mentor)
    factories.sign_as(version, mentor)
    with pytest.raises(ValidationError, match="already signed"):
        factories.sign_as(version, mentor)


def test_editing_a_proposed_version_returns_it_to_draft_and_voids_signatures(
    draft, mentor, mentee
):
    version = _proposed(draft, mentor)
    first_hash = version.content_hash
    factories.sign_as(version, mentor)
    edited = factories.complete_draft(purpose="A sharper purpose.")
    version = agreements.update_draft(version=version, editor=mentee, draft=edited)
    assert (version.status, version.content_hash) == (Status.DRAFT, "")
    with pytest.raises(ValidationError, match="not awaiting signatures"):
        factories.sign_as(version, mentee, seen_hash=first_hash)
    version = agreements.propose(version=version, actor=mentee)
    factories.sign_as(version, mentee)
    version.refresh_from_db()
    assert version.status == Status.PROPOSED  # the mentor's old signature is void
    factories.sign_as(version, mentor)
    version.refresh_from_db()
    assert version.status == Status.EFFECTIVE
    assert version.signatures.count() == 3  # kept, append-only
    assert version.last_edited_by == mentee
    assert hashing.verify(version.agreement)


def test_an_effective_version_cannot_be_edited(mentorship, mentor):
    version = factories.effective_agreement(mentorship)
    with pytest.raises(ValidationError, match="no longer open"):
        agreements.update_draft(
            version=version, editor=mentor, draft=factories.complete_draft()
        )


def test_a_draft_takes_only_agreement_sections(draft, mentor):
    with pytest.raises(ValueError, match="not agreement sections"):
        agreements.update_draft(
            version=draft, editor=mentor, draft=Draft(sections={"status": "effective"})
        )


def test_events_are_chained(mentorship):
    version = factories.effective_agreement(mentorship)
    events = list(AgreementEvent.objects.filter(agreement=version.agreement))
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert events[0].previous_hash == ""
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.previous_hash == earlier.hash
    signature = version.signatures.first()
    assert signature.previous_event_hash == events[0].hash


def test_a_signature_from_an_ipv6_address_verifies(draft, mentor, mentee):
    version = _proposed(draft, mentor)
    meta = agreements.SigningMeta("2001:DB8:0:0::1", "pytest")
    factories.sign_as(version, mentor, meta=meta)
    factories.sign_as(version, mentee)
    signature = version.signatures.get(role="mentor")
    assert signature.ip_address == "2001:db8::1"
    assert hashing.verify(version.agreement)


def test_a_version_made_effective_without_both_signatures_is_caught(draft, mentor):
    version = _proposed(draft, mentor)
    factories.sign_as(version, mentor)
    # A forger who knows the code: a well-chained event and matching stored state.
    event = agreements._append_event(version, "effective", None)
    AgreementVersion.objects.filter(pk=version.pk).update(
        status=Status.EFFECTIVE, effective_at=event.at
    )
    verdict = hashing.verify(version.agreement)
    assert not verdict
    assert "without both signatures" in verdict.problem
