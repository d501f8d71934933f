"""Amendments: proposed from the version in force, after its notice or with a waiver."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agreements import hashing, tasks
from agreements import services as agreements
from agreements.models import AgreementVersion
from tests import factories

Status = AgreementVersion.Status


@pytest.fixture
def in_force(mentorship):
    return factories.effective_agreement(mentorship)


def _signed_amendment(in_force, mentor, mentee, **sections):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="Meet weekly instead."
    )
    draft = factories.complete_draft(cadence="weekly", **sections)
    agreements.update_draft(version=amendment, editor=mentee, draft=draft)
    amendment = agreements.propose(version=amendment, actor=mentee)
    factories.sign_as(amendment, mentor)
    factories.sign_as(amendment, mentee)
    amendment.refresh_from_db()
    return amendment


def test_an_amendment_starts_as_a_copy_of_the_version_in_force(in_force, mentee):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="  New role.  "
    )
    assert (amendment.number, amendment.status, amendment.amends) == (
        2,
        Status.DRAFT,
        in_force,
    )
    assert amendment.rationale == "New role."
    assert amendment.content() == in_force.content()
    assert amendment.criteria.count() == in_force.criteria.count() == 1
    assert amendment.events.get().kind == "amendment_proposed"


def test_an_amendment_needs_a_reason(in_force, mentee):
    with pytest.raises(ValidationError) as error:
        agreements.propose_amendment(
            agreement=in_force.agreement, actor=mentee, rationale="  "
        )
    assert "rationale" in error.value.message_dict


def test_only_one_amendment_is_open_at_a_time(in_force, mentor, mentee):
    agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="A"
    )
    with pytest.raises(ValidationError, match="already open"):
        agreements.propose_amendment(
            agreement=in_force.agreement, actor=mentor, rationale="B"
        )


def test_only_an_agreement_in_effect_can_be_amended(mentorship, mentor):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    with pytest.raises(ValidationError, match="Only an agreement in effect"):
        agreements.propose_amendment(agreement=agreement, actor=mentor, rationale="A")


def test_the_supervisor_cannot_amend(in_force, supervisor):
    with pytest.raises(PermissionDenied):
        agreements.propose_amendment(
            agreement=in_force.agreement, actor=supervisor, rationale="A"
        )


def test_a_signed_amendment_waits_for_the_notice_period(
    in_force, mentor, mentee, mentorship
):
    amendment = _signed_amendment(in_force, mentor, mentee)
    assert amendment.status == Status.PROPOSED
    due = amendment.earliest_effective_at
    assert due - amendment.proposed_at == timedelta(days=in_force.notice_days)
    with time_machine.travel(due - timedelta(seconds=1)):
        assert agreements.activate_due_versions() == 0
    with time_machine.travel(due + timedelta(seconds=1)):
        assert agreements.activate_due_versions() == 1
        assert agreements.activate_due_versions() == 0  # safe to run twice
    amendment.refresh_from_db()
    in_force.refresh_from_db()
    assert (amendment.status, in_force.status) == (Status.EFFECTIVE, Status.SUPERSEDED)
    mentorship.refresh_from_db()
    assert mentorship.cadence == "weekly"
    assert hashing.verify(in_force.agreement)


def test_both_parties_waiving_the_notice_makes_it_effective_at_once(
    in_force, mentor, mentee
):
    amendment = _signed_amendment(in_force, mentor, mentee)
    agreements.waive_notice(version=amendment, party=mentor)
    amendment.refresh_from_db()
    assert amendment.status == Status.PROPOSED  # one waiver is not enough
    agreements.waive_notice(version=amendment, party=mentee)
    amendment.refresh_from_db()
    assert amendment.status == Status.EFFECTIVE
    assert amendment.effective_at <= timezone.now()
    kinds = list(amendment.events.values_list("kind", flat=True))
    assert kinds.count("notice_waived") == 2
    assert hashing.verify(in_force.agreement)


def test_a_first_agreement_has_no_notice_to_waive(mentorship, mentor):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    version = agreement.versions.get()
    agreements.update_draft(
        version=version, editor=mentor, draft=factories.complete_draft()
    )
    version = agreements.propose(version=version, actor=mentor)
    assert version.earliest_effective_at is None
    with pytest.raises(ValidationError, match="Only a proposed amendment"):
        agreements.waive_notice(version=version, party=mentor)


def test_the_amendments_hash_covers_the_version_it_amends(in_force, mentor, mentee):
    amendment = _signed_amendment(in_force, mentor, mentee)
    assert hashing.version_content(amendment)["amends"] == in_force.content_hash


def test_the_scheduled_task_activates_amendments_whose_notice_ended(
    in_force, mentor, mentee
):

    amendment = _signed_amendment(in_force, mentor, mentee)
    with time_machine.travel(amendment.earliest_effective_at + timedelta(minutes=1)):
        assert tasks.activate_due_amendments() == 1
    amendment.refresh_from_db()
    assert amendment.status == Status.EFFECTIVE


def test_saving_a_proposed_version_unchanged_keeps_its_signatures(
    in_force, mentor, mentee
):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="R"
    )
    amendment = agreements.propose(version=amendment, actor=mentee)
    factories.sign_as(amendment, mentor)
    same = factories.complete_draft()
    agreements.update_draft(version=amendment, editor=mentee, draft=same)
    amendment.refresh_from_db()
    assert amendment.status == Status.PROPOSED
    assert amendment.signatures.filter(round=amendment.round).count() == 1
