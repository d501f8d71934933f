"""A closed mentorship takes no new terms: no amendment, signature or revisit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements import hashing
from agreements import services as agreements
from agreements.models import AgreementVersion
from mentorship import notes, services
from mentorship.models import Mentorship, RevisitPrompt
from tests import factories

Status = AgreementVersion.Status
CLOSED_MESSAGE = "This mentorship has closed"


@pytest.fixture
def in_force(mentorship):
    return factories.effective_agreement(mentorship)


def _proposed_amendment(in_force, actor, **sections):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=actor, rationale="Keep notes shorter."
    )
    draft = factories.complete_draft(**sections)
    agreements.update_draft(version=amendment, editor=actor, draft=draft)
    return agreements.propose(version=amendment, actor=actor)


def _signed_amendment(in_force, mentor, mentee):
    amendment = _proposed_amendment(in_force, mentee, retention_days=45)
    factories.sign_as(amendment, mentor)
    factories.sign_as(amendment, mentee)
    amendment.refresh_from_db()
    assert amendment.status == Status.PROPOSED  # waiting for the notice period
    return amendment


def _open_prompt(mentorship):
    return RevisitPrompt.objects.create(
        mentorship=mentorship, reason="midpoint", due_on=timezone.localdate()
    )


def _mark_ended(mentorship):
    """Closed as data from before end_mentorship settled what was left open."""
    Mentorship.objects.filter(pk=mentorship.pk).update(
        status=Mentorship.Status.ENDED, ended_at=timezone.now()
    )


def test_closing_settles_the_open_revisit_prompts(in_force, mentorship, coordinator):
    prompt = _open_prompt(mentorship)
    services.end_mentorship(mentorship=mentorship, ended_by=coordinator)
    prompt.refresh_from_db()
    assert (prompt.outcome, prompt.decided_by) == ("closed", coordinator)
    assert prompt.decided_at is not None


def test_revisit_decided_closed_is_recorded_with_the_note(in_force, mentorship, mentee):
    prompt = _open_prompt(mentorship)
    other = RevisitPrompt.objects.create(
        mentorship=mentorship, reason="before_end", due_on=timezone.localdate()
    )
    agreements.revisit_agreement(
        prompt=prompt, actor=mentee, outcome="closed", note="Goals met"
    )
    prompt.refresh_from_db()
    other.refresh_from_db()
    assert (prompt.outcome, prompt.outcome_note) == ("closed", "Goals met")
    assert other.outcome == "closed"


@pytest.mark.parametrize("outcome", ["kept", "amended"])
def test_a_closed_mentorship_cannot_be_revisited(in_force, mentorship, mentor, outcome):
    prompt = _open_prompt(mentorship)
    _mark_ended(mentorship)
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        agreements.revisit_agreement(
            prompt=prompt, actor=mentor, outcome=outcome, note="Change it"
        )
    prompt.refresh_from_db()
    assert prompt.is_open
    assert in_force.agreement.versions.count() == 1


def test_no_amendment_is_proposed_on_a_closed_mentorship(in_force, mentorship, mentor):
    services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        agreements.propose_amendment(
            agreement=in_force.agreement, actor=mentor, rationale="More often."
        )


def test_a_closed_mentorship_agreement_cannot_be_edited_proposed_or_signed(
    in_force, mentorship, mentor, mentee
):
    amendment = _proposed_amendment(in_force, mentee)
    _mark_ended(mentorship)
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        factories.sign_as(amendment, mentor)
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        agreements.waive_notice(version=amendment, party=mentor)
    draft = factories.complete_draft(purpose="Something else.")
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        agreements.update_draft(version=amendment, editor=mentor, draft=draft)
    amendment.refresh_from_db()
    assert amendment.status == Status.PROPOSED
    assert not amendment.signatures.exists()


def test_a_draft_of_a_closed_mentorship_cannot_be_proposed(
    in_force, mentorship, mentee
):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=mentee, rationale="Shorter."
    )
    _mark_ended(mentorship)
    with pytest.raises(ValidationError, match=CLOSED_MESSAGE):
        agreements.propose(version=amendment, actor=mentee)


def test_closing_withdraws_a_signed_amendment_still_in_its_notice(
    in_force, mentorship, mentor, mentee
):
    amendment = _signed_amendment(in_force, mentor, mentee)
    note = notes.create_note(
        mentorship=mentorship, author=mentor, body="Kept.", visibility="private"
    )
    services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    note.refresh_from_db()
    expiry = note.expires_at
    amendment.refresh_from_db()
    assert (amendment.status, amendment.content_hash) == (Status.DRAFT, "")
    assert amendment.events.order_by("sequence").last().kind == "withdrawn"
    assert hashing.verify(in_force.agreement)

    with time_machine.travel(amendment.proposed_at + timedelta(days=400)):
        assert agreements.activate_due_versions() == 0
    mentorship.refresh_from_db()
    note.refresh_from_db()
    assert mentorship.retention_days == in_force.retention_days
    assert note.expires_at == expiry


def test_an_amendment_of_a_closed_mentorship_never_takes_effect(
    in_force, mentorship, mentor, mentee
):
    amendment = _signed_amendment(in_force, mentor, mentee)
    _mark_ended(mentorship)
    with time_machine.travel(amendment.earliest_effective_at + timedelta(minutes=1)):
        assert agreements.activate_due_versions() == 0
    amendment.refresh_from_db()
    in_force.refresh_from_db()
    assert (amendment.status, in_force.status) == (Status.PROPOSED, Status.EFFECTIVE)
    mentorship.refresh_from_db()
    assert mentorship.retention_days == in_force.retention_days


def test_the_page_of_a_closed_mentorship_shows_no_revisit_prompt(
    client, in_force, mentorship, mentee
):
    prompt = _open_prompt(mentorship)
    link = reverse("agreements:revisit", args=[prompt.public_id])
    client.force_login(mentee)
    assert link in client.get(mentorship.get_absolute_url()).text
    _mark_ended(mentorship)
    assert link not in client.get(mentorship.get_absolute_url()).text
