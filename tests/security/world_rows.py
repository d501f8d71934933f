"""Every row of every table before and after a request, whose rows they are, and the
fields a page's form would send (so a write test posts what a browser posts)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.db import transaction

# Tables outside the domain: sessions, lockout logs, the admin log, static catalogues.
SKIPPED_APPS = {"sessions", "axes", "admin", "contenttypes"}
SKIPPED_MODELS = {"auth.permission", "auth.group", "auth.group_permissions"}

# Whose a row is: the column naming its parent and the parent's table. The chain ends
# at a mentorship, a cohort, a program or a user (each its own scope).
PARENTS = {
    "mentorship.checkin": ("mentorship_id", "mentorship.mentorship"),
    "mentorship.feedbackitem": ("checkin_id", "mentorship.checkin"),
    "mentorship.scorecardrating": ("checkin_id", "mentorship.checkin"),
    "mentorship.revisitprompt": ("mentorship_id", "mentorship.mentorship"),
    "mentorship.note": ("mentorship_id", "mentorship.mentorship"),
    "mentorship.noteuserobjectpermission": ("content_object_id", "mentorship.note"),
    "mentorship.notegroupobjectpermission": ("content_object_id", "mentorship.note"),
    "mentorship.destructionrecord": ("mentorship_id", "mentorship.mentorship"),
    "mentorship.reminder": ("mentorship_id", "mentorship.mentorship"),
    "mentorship.mentorship": ("cohort_id", "mentorship.cohort"),
    "mentorship.membership": ("cohort_id", "mentorship.cohort"),
    "mentorship.invitation": ("cohort_id", "mentorship.cohort"),
    "mentorship.cohort": ("program_id", "mentorship.program"),
    "mentorship.toolkitentry": ("program_id", "mentorship.program"),
    "mentorship.program_coordinators": ("program_id", "mentorship.program"),
    "mentorship.user_groups": ("user_id", "mentorship.user"),
    "mentorship.user_user_permissions": ("user_id", "mentorship.user"),
    "guardian.userobjectpermission": ("user_id", "mentorship.user"),
    "guardian.groupobjectpermission": (None, None),
    "agreements.agreementtemplate": ("program_id", "mentorship.program"),
    "agreements.cohorttemplate": ("cohort_id", "mentorship.cohort"),
    "agreements.agreement": ("mentorship_id", "mentorship.mentorship"),
    "agreements.agreementversion": ("agreement_id", "agreements.agreement"),
    "agreements.successcriterion": ("version_id", "agreements.agreementversion"),
    "agreements.confidentialityexception": (
        "version_id",
        "agreements.agreementversion",
    ),
    "agreements.agreementevent": ("agreement_id", "agreements.agreement"),
    "agreements.signature": ("version_id", "agreements.agreementversion"),
    "agreements.renderedpdf": ("version_id", "agreements.agreementversion"),
    "agreements.disclosure": ("agreement_id", "agreements.agreement"),
    "reviews.progressreview": ("mentorship_id", "mentorship.mentorship"),
    "reviews.criterionassessment": ("review_id", "reviews.progressreview"),
    "reviews.reviewrating": ("review_id", "reviews.progressreview"),
    "reviews.supervisorconsent": ("mentorship_id", "mentorship.mentorship"),
    "reviews.summaryview": ("consent_id", "reviews.supervisorconsent"),
}
SCOPES = {
    "mentorship.mentorship": "mentorship",
    "mentorship.cohort": "cohort",
    "mentorship.program": "program",
    "mentorship.user": "user",
}

Rows = dict[str, dict[Any, dict[str, Any]]]


def tracked_models() -> list[Any]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in SKIPPED_APPS
        and model._meta.label_lower not in SKIPPED_MODELS
    ]


def snapshot() -> Rows:
    """Every column of every row of every domain table, by table and primary key."""
    rows: Rows = {}
    for model in tracked_models():
        columns = [f.attname for f in model._meta.concrete_fields]
        rows[model._meta.label_lower] = {
            row["pk"]: row
            for row in model._base_manager.order_by().values("pk", *columns)
        }
    return rows


@dataclass(frozen=True)
class Change:
    table: str
    pk: Any
    kind: str  # created, deleted or changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def fields(self) -> set[str]:
        if self.before is None or self.after is None:
            return set()
        return {k for k in self.after if self.after[k] != self.before[k]}

    def __str__(self) -> str:
        detail = sorted(self.fields) if self.kind == "changed" else ""
        return f"{self.kind} {self.table} #{self.pk} {detail}".rstrip()


def changes(before: Rows, after: Rows) -> list[Change]:
    found = []
    for table in after:
        old, new = before.get(table, {}), after[table]
        for pk in old.keys() | new.keys():
            if pk not in old:
                found.append(Change(table, pk, "created", None, new[pk]))
            elif pk not in new:
                found.append(Change(table, pk, "deleted", old[pk], None))
            elif old[pk] != new[pk]:
                found.append(Change(table, pk, "changed", old[pk], new[pk]))
    return found


def scopes_of(change: Change, before: Rows, after: Rows) -> set[tuple[str, Any]]:
    """The mentorship, cohort, program and user scopes the changed row sits in."""
    table, row, found = change.table, change.after or change.before, set()
    while row is not None:
        if table in SCOPES:
            found.add((SCOPES[table], row["pk"]))
            if table == "mentorship.user":
                break
        if table not in PARENTS:
            if table in SCOPES:
                break
            raise AssertionError(f"world_rows.PARENTS does not say whose {table} is")
        column, parent = PARENTS[table]
        if column is None or row.get(column) is None:
            break
        key = row[column]
        table = parent
        row = after.get(parent, {}).get(key) or before.get(parent, {}).get(key)
    return found


def outside(
    found: list[Change], allowed: set[tuple[str, Any]], before: Rows, after: Rows
) -> list[str]:
    """The changes that touch no allowed scope: someone else's rows."""
    return [
        str(change)
        for change in found
        if not scopes_of(change, before, after) & allowed
    ]


# --- Forged fields, and posting -----------------------------------------------------

FORGED = "11111111-2222-4333-8444-555555555555"


def forged_fields(w) -> dict[str, str]:
    """Fields no form offers, each naming someone or something else."""
    intruder = str(w.users["outsider"].pk)
    names = ["author", "mentor", "mentee", "supervisor", "signer", "decided_by"]
    values = {
        "is_staff": "on",
        "is_superuser": "on",
        "status": "published",
        "signed_at": "2099-01-01T00:00",
        "expires_at": "2099-01-01T00:00",
        "public_id": FORGED,
        "email": "intruder@example.org",
        "calendar_token": "forged-calendar-token",
        "mentorship": str(w.pairs["other_cohort"].mentorship.pk),
        "cohort": str(w.cohorts["other"].pk),
        "program": str(w.programs["other"].pk),
        "coordinators": intruder,
        **{name: intruder for name in names},
        **{f"{name}_id": intruder for name in names},
    }
    return values | {f"sections-{k}": v for k, v in values.items()}


def persisted_forgeries(found: list[Change], w) -> list[str]:
    """Forged values that reached a row the request created or changed."""
    intruder = w.users["outsider"].pk
    bad = {
        "public_id": FORGED,
        "email": "intruder@example.org",
        "calendar_token": "forged-calendar-token",
        **{
            f"{name}_id": intruder
            for name in ("author", "mentor", "mentee", "supervisor", "signer")
        },
        "decided_by_id": intruder,
    }
    hits = []
    for change in found:
        if change.after is None:
            continue
        touched = change.after if change.kind == "created" else change.fields
        for name in touched:
            value = change.after[name]
            if str(value) == str(bad.get(name, object())):
                hits.append(f"{change}: {name}={value}")
            if getattr(value, "year", None) == 2099:
                hits.append(f"{change}: {name}={value}")
            if name in ("is_staff", "is_superuser"):
                hits.append(f"{change}: {name}={value}")
        if change.table == "mentorship.program_coordinators":
            if change.after["user_id"] == intruder:
                hits.append(f"{change}: an intruder coordinates")
    return hits


def post(client, url: str, data: dict[str, Any]):
    """Post inside a savepoint; return the response and what changed."""
    with transaction.atomic():
        before = snapshot()
        response = client.post(url, data)
        after = snapshot()
        transaction.set_rollback(True)
    return response, before, after, changes(before, after)


def errors_of(response) -> list[str]:
    """The errors of every form the page was rendered with (for failure messages)."""
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            errors = getattr(value, "errors", None)
            if errors and not callable(errors):
                found.append(errors.as_text() if hasattr(errors, "as_text") else errors)
    return found


# --- What a browser would send --------------------------------------------------------


class _FormFields(HTMLParser):
    """The successful controls of each POST form: name → list of values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._select[2].append(a.get("value", ""))
            if "selected" in a:
                self._select[1].append(a.get("value", ""))
            return
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action", ""), self._form))
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "reset"):
                default = "on" if kind in ("checkbox", "radio") else ""
                self._form.setdefault(name, []).append(a.get("value", default))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = name
            self._form.setdefault(name, []).append("")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            name, selected, every = self._select
            self._form[name] = selected or every[:1]
            self._select = None


def form_data(html: str, action: str) -> dict[str, list[str]]:
    """The fields the form posting to `action` sends as the page stands."""
    parser = _FormFields()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if form_action in ("", action):
            if "csrfmiddlewaretoken" in fields:
                fields.pop("csrfmiddlewaretoken")
                return fields
    raise AssertionError(f"no form posts to {action}")
