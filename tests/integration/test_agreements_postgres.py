"""Agreements on PostgreSQL: append-only rows, and signatures racing each other."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from agreements import hashing
from agreements import services as agreements
from agreements.models import AgreementEvent, AgreementVersion, Signature
from tests import factories
from tests.integration.races import race

pytestmark = pytest.mark.postgres

ATTEMPTS = 100
# PostgreSQL allows 100 connections in all: the attempts go in waves of this size, each
# wave released at once.
WAVE = 50


FORGERIES = {Signature: {"typed_name": "Forged"}, AgreementEvent: {"kind": "signed"}}


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Signature, AgreementEvent])
def test_signatures_and_events_refuse_update(mentorship, model):
    factories.effective_agreement(mentorship)
    row = model.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**FORGERIES[model])


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Signature, AgreementEvent])
def test_signatures_and_events_refuse_delete(mentorship, model):
    factories.effective_agreement(mentorship)
    row = model.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE id = %s", [row.pk]
            )


@pytest.mark.django_db(transaction=True)
def test_a_hundred_simultaneous_signatures_make_one_transition(
    mentorship, mentor, mentee
):
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    version = agreement.versions.get()
    agreements.update_draft(
        version=version, editor=mentor, draft=factories.complete_draft()
    )
    version = agreements.propose(version=version, actor=mentor)
    parties = [mentor, mentee]

    def attempt(number):
        return lambda: factories.sign_as(version, parties[number % 2])

    outcomes = []
    for start in range(0, ATTEMPTS, WAVE):
        outcomes += race([attempt(n) for n in range(start, start + WAVE)])

    signatures = [o for o in outcomes if isinstance(o, Signature)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    transitions = AgreementEvent.objects.filter(
        agreement=agreement, kind=AgreementEvent.Kind.EFFECTIVE
    ).count()
    print(
        f"\nsigning attempts: {len(outcomes)}, signatures: {len(signatures)}, "
        f"transitions to effective: {transitions}"
    )
    assert len(outcomes) == ATTEMPTS
    assert (len(signatures), len(refused)) == (2, ATTEMPTS - 2), outcomes
    assert {s.role for s in signatures} == {"mentor", "mentee"}
    assert transitions == 1
    version.refresh_from_db()
    assert version.status == AgreementVersion.Status.EFFECTIVE
    assert hashing.verify(agreement)
