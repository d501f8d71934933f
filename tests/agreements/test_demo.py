"""seed_demo gives the demo pairs their agreements, once."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import override_settings

from agreements import hashing
from agreements.models import AgreementEvent, AgreementVersion


def _seed():
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_demo_has_an_amended_agreement_and_a_draft(db):
    _seed()
    first = AgreementVersion.objects.filter(
        agreement__mentorship__mentor__email="mentor@example.org"
    )
    assert list(first.values_list("number", "status")) == [
        (1, "superseded"),
        (2, "effective"),
    ]
    assert hashing.verify(first.first().agreement)
    second = AgreementVersion.objects.get(
        agreement__mentorship__mentor__email="mentor2@example.org"
    )
    assert second.status == "draft" and second.purpose

    counts = (AgreementVersion.objects.count(), AgreementEvent.objects.count())
    _seed()
    assert (AgreementVersion.objects.count(), AgreementEvent.objects.count()) == counts
