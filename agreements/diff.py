"""What changed between two versions of an agreement, section by section.

Pure comparison of two AgreementVersions: no views and no writes. Values come back
rendered for people (choice labels, joined lists, formatted dates) as plain text, so
templates escape them as usual. Pass versions with ``criteria`` and ``exceptions``
prefetched and the comparison runs no queries at all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import zip_longest
from typing import Any, NamedTuple

from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from agreements.models import (
    AgreementVersion,
    Channel,
    ConfidentialityException,
    MeetingFormat,
    SuccessCriterion,
)

EMPTY = "—"
DATE_FORMAT = "j M Y"

# JSON list fields whose items are choice values rather than free text.
LIST_CHOICES: dict[str, type[models.TextChoices]] = {
    "formats": MeetingFormat,
    "channels": Channel,
}


class Kind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class Segment(NamedTuple):
    """A run of words of a word diff: op is "equal", "insert" or "delete"."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs; ``words`` is set for long text only."""

    label: str
    before: str
    after: str
    kind: Kind
    words: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class RowChange:
    """A success criterion or confidentiality exception added, removed or changed."""

    position: int
    label: str
    summary: str
    kind: Kind
    changes: list[FieldChange]


class Group(NamedTuple):
    """A run of table rows: the section's own fields (row None) or one row's."""

    row: RowChange | None
    changes: list[FieldChange]


@dataclass(frozen=True)
class SectionDiff:
    """The changes of one section of the agreement, empty when it is unchanged."""

    key: str
    title: str
    fields: list[FieldChange]
    rows: list[RowChange]

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.rows)

    @property
    def groups(self) -> list[Group]:
        """Return the field changes, then each changed row's, for one table."""
        own = [Group(None, self.fields)] if self.fields else []
        return own + [Group(row, row.changes) for row in self.rows]


@dataclass(frozen=True)
class Section:
    key: str
    title: Any  # a lazy translation
    fields: tuple[str, ...]
    rows: str | None = None  # "criteria" or "exceptions"


SECTIONS: tuple[Section, ...] = (
    Section("purpose", gettext_lazy("Purpose"), ("purpose",)),
    Section(
        "scope",
        gettext_lazy("Scope"),
        (
            "cadence",
            "cadence_days",
            "formats",
            "channels",
            "feedback_baseline",
            "out_of_scope",
        ),
    ),
    Section(
        "roles",
        gettext_lazy("Roles and responsibilities"),
        ("mentor_commitments", "mentee_commitments"),
    ),
    Section("boundaries", gettext_lazy("Boundaries"), ("boundaries",)),
    Section(
        "confidentiality",
        gettext_lazy("Confidentiality"),
        (
            "private_matters",
            "confidential_kinds",
            "notes_handling",
            "supervisor_sharing",
            "retention_days",
            "retention_anchor",
        ),
        rows="exceptions",
    ),
    Section("criteria", gettext_lazy("Success criteria"), (), rows="criteria"),
    Section(
        "reviews",
        gettext_lazy("Reviews"),
        ("review_cadence", "scorecard_dimensions"),
    ),
    Section(
        "renegotiation",
        gettext_lazy("Renegotiation"),
        ("notice_days", "renegotiation_triggers", "change_recording"),
    ),
    Section(
        "aspirations",
        gettext_lazy("Aspirations"),
        ("mentor_aspirations", "mentee_aspirations"),
    ),
    Section("rationale", gettext_lazy("Rationale"), ("rationale",)),
)

RowModel = type[SuccessCriterion] | type[ConfidentialityException]
ROW_MODELS: dict[str, tuple[RowModel, Any]] = {
    "criteria": (SuccessCriterion, pgettext_lazy("row", "Criterion %(number)s")),
    "exceptions": (
        ConfidentialityException,
        pgettext_lazy("row", "Exception %(number)s"),
    ),
}


def diff_versions(
    older: AgreementVersion, newer: AgreementVersion
) -> list[SectionDiff]:
    """Compare two versions and return every section, changed or not, in order.

    Prefetch ``criteria`` and ``exceptions`` on both versions to avoid queries.
    """
    return [
        SectionDiff(
            key=section.key,
            title=str(section.title),
            fields=_field_changes(older, newer, section.fields),
            rows=_row_changes(older, newer, section.rows) if section.rows else [],
        )
        for section in SECTIONS
    ]


def word_diff(before: str, after: str) -> list[Segment]:
    """Return the word-level diff of two texts as merged runs of equal/insert/delete.

    The equal and delete runs spell the old text; the equal and insert runs spell
    the new one (whitespace between words is kept with the word before it).
    """
    old, new = re.findall(r"\S+\s*", before), re.findall(r"\S+\s*", after)
    matcher = difflib.SequenceMatcher(
        None, [w.strip() for w in old], [w.strip() for w in new], autojunk=False
    )
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            _append(segments, "delete", old[i1:i2])
        if op in ("insert", "replace"):
            _append(segments, "insert", new[j1:j2])
        if op == "equal":
            _append(segments, "equal", new[j1:j2])
    return segments


def _append(segments: list[Segment], op: str, words: Sequence[str]) -> None:
    text = "".join(words)
    if segments and segments[-1].op == op:
        segments[-1] = Segment(op, segments[-1].text + text)
    elif text:
        segments.append(Segment(op, text))


def _field_changes(
    older: models.Model, newer: models.Model, names: Iterable[str]
) -> list[FieldChange]:
    """List the changes of the named fields, in the order given."""
    changes = []
    for name in names:
        before, after = getattr(older, name), getattr(newer, name)
        if before != after:
            changes.append(_change(older._meta.get_field(name), before, after))
    return changes


def _change(model_field: Any, before: Any, after: Any) -> FieldChange:
    """Describe one changed value, with a word diff when both sides are long text."""
    old, new = _display(model_field, before), _display(model_field, after)
    if _is_empty(before):
        kind = Kind.ADDED
    elif _is_empty(after):
        kind = Kind.REMOVED
    else:
        kind = Kind.CHANGED
    words = (
        word_diff(old, new) if kind == Kind.CHANGED and _is_long(model_field) else []
    )
    return FieldChange(
        label=str(capfirst(model_field.verbose_name)),
        before=old,
        after=new,
        kind=kind,
        words=words,
    )


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _is_long(model_field: Any) -> bool:
    if isinstance(model_field, models.TextField):
        return True
    return (
        isinstance(model_field, models.CharField)
        and (model_field.max_length or 0) >= 500
    )


def _display(model_field: Any, value: Any) -> str:
    """Render a stored value as a person reads it."""
    if _is_empty(value):
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        choices = LIST_CHOICES.get(model_field.name)
        labels = dict(choices.choices) if choices else {}
        return ", ".join(str(labels.get(item, item)) for item in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return date_format(value, DATE_FORMAT)
    return str(value)


def _row_changes(
    older: AgreementVersion, newer: AgreementVersion, relation: str
) -> list[RowChange]:
    """Match the rows of both versions by position and describe each difference."""
    model, label = ROW_MODELS[relation]
    names = model.FIELDS
    old_rows, new_rows = _rows(older, relation), _rows(newer, relation)
    changes = []
    for number, (old, new) in enumerate(zip_longest(old_rows, new_rows), start=1):
        if new is None:
            kind, fields = Kind.REMOVED, _whole_row(old, names, removed=True)
        elif old is None:
            kind, fields = Kind.ADDED, _whole_row(new, names, removed=False)
        else:
            kind, fields = Kind.CHANGED, _field_changes(old, new, names)
            if not fields:
                continue
        changes.append(
            RowChange(
                position=number,
                label=str(label) % {"number": number},
                summary=(new or old).description,
                kind=kind,
                changes=fields,
            )
        )
    return changes


def _rows(version: AgreementVersion, relation: str) -> list[Any]:
    # .all() reads the prefetch cache; sorting in Python keeps it that way.
    return sorted(getattr(version, relation).all(), key=lambda row: row.position)


def _whole_row(
    row: models.Model, names: Iterable[str], *, removed: bool
) -> list[FieldChange]:
    """List every filled attribute of a row that was added or removed."""
    changes = []
    for name in names:
        value = getattr(row, name)
        if _is_empty(value):
            continue
        before, after = (value, None) if removed else (None, value)
        changes.append(_change(row._meta.get_field(name), before, after))
    return changes
