"""Tamper evidence: every stored value of a signed agreement, changed directly in the
database one at a time, is caught by the verifier (or refused by the database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, models, transaction

from agreements import hashing
from agreements import services as agreements
from agreements.models import (
    AgreementEvent,
    AgreementVersion,
    ConfidentialityException,
    Signature,
    SuccessCriterion,
)
from tests import factories

# Bookkeeping that says nothing about what was agreed or signed.
NOT_EVIDENCE = {
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "last_edited_by",
    "section_edits",
}


class Undo(Exception):
    """Raised to roll a mutation back once it has been verified."""


@pytest.fixture
def history(mentorship, mentor, mentee):
    """Version 1 superseded by version 2, which took effect with both waivers."""
    first = factories.effective_agreement(mentorship)
    amendment = agreements.propose_amendment(
        agreement=first.agreement, actor=mentee, rationale="Meet weekly."
    )
    agreements.update_draft(
        version=amendment,
        editor=mentee,
        draft=factories.complete_draft(cadence="weekly"),
    )
    amendment = agreements.propose(version=amendment, actor=mentee)
    for party in (mentor, mentee):
        factories.sign_as(amendment, party)
        agreements.waive_notice(version=amendment, party=party)
    assert hashing.verify(first.agreement)
    return first.agreement


def _other(field: models.Field, value, row):
    """Return a different value of the field's type."""
    if field.is_relation:
        model = field.related_model
        other = model.objects.exclude(pk=value).order_by("pk").first()
        return other.pk if other else None
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1" if value != "192.0.2.1" else "192.0.2.2"
    if field.choices:
        return next(choice for choice, _label in field.choices if choice != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, list):
        return [*value, "x"]
    if isinstance(value, str):
        return (value[:-1] + ("y" if value.endswith("x") else "x")) if value else "x"
    if value is None:
        if isinstance(field, models.DateTimeField):
            return row.created_at
        return 1
    raise AssertionError(f"no mutation for {field.name}={value!r}")


def _mutations(agreement):
    rows = [
        *AgreementVersion.objects.filter(agreement=agreement),
        *SuccessCriterion.objects.filter(version__agreement=agreement),
        *ConfidentialityException.objects.filter(version__agreement=agreement),
        *Signature.objects.filter(version__agreement=agreement),
        *AgreementEvent.objects.filter(agreement=agreement),
    ]
    for row in rows:
        for field in row._meta.concrete_fields:
            if field.name not in NOT_EVIDENCE:
                yield row, field


def _caught(agreement, row, field) -> bool:
    value = getattr(row, field.attname)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Step around the append-only triggers, as someone with database
                # access could.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            type(row).objects.filter(pk=row.pk).update(
                **{field.attname: _other(field, value, row)}
            )
            verdict = hashing.verify(agreement)
            raise Undo(verdict)
    except Undo as undo:
        return not undo.args[0]
    except (IntegrityError, DatabaseError):
        return True  # the database itself refused the change


def test_every_stored_value_is_tamper_evident(history):
    tried = list(_mutations(history))
    missed = [
        f"{type(row).__name__}.{field.name}"
        for row, field in tried
        if not _caught(history, row, field)
    ]
    print(f"\ntamper mutations detected: {len(tried) - len(missed)} / {len(tried)}")
    assert hashing.verify(history)  # every mutation was rolled back
    assert len(tried) > 150
    assert missed == []
