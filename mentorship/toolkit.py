"""The living toolkit: contributing entries, deciding on them, and finding them.

Mentors and mentees of a program's cohorts contribute; the program's coordinators
publish or decline; everyone in the program reads and searches what is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship.models import Membership, Program, Role, ToolkitEntry, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mentorship.models.toolkit import ToolkitEntryQuerySet

CONTRIBUTOR_ROLES = (Role.MENTOR, Role.MENTEE)
SEARCH_CONFIG = "english"
# The SQLite fallback matches each word on its own; a longer query is cut here.
MAX_SEARCH_WORDS = 10


# --- Who may do what ------------------------------------------------------------------


def can_contribute(user: User | AnonymousUser, program: Program) -> bool:
    """Mentors and mentees of any of the program's cohorts contribute entries."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        cohort__program=program, user=user, role__in=CONTRIBUTOR_ROLES
    ).exists()


# --- Reads ----------------------------------------------------------------------------


def published_entries(
    program: Program, *, query: str = "", kind: str = ""
) -> ToolkitEntryQuerySet:
    """Return the program's published entries, best match first when searching."""
    entries = program.toolkit_entries.published().select_related("author")
    if kind:
        entries = entries.filter(kind=kind)
    query = query.strip()
    if not query:
        return entries.order_by("-decided_at", "-pk")
    if connection.vendor == "postgresql":
        return _full_text_search(entries, query)
    return _word_search(entries, query)


def _full_text_search(
    entries: ToolkitEntryQuerySet, query: str
) -> ToolkitEntryQuerySet:
    # A title match weighs more than one in the body. websearch_to_tsquery takes any
    # text a person types ("quotes", or, -word) without a syntax error.
    vector = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    return (
        entries.annotate(search=vector)
        .filter(search=search)
        .annotate(rank=SearchRank(F("search"), search))
        .order_by("-rank", "-decided_at", "-pk")
    )


def _word_search(entries: ToolkitEntryQuerySet, query: str) -> ToolkitEntryQuerySet:
    """Every word in the title or the body, ignoring case (SQLite: ASCII only)."""
    for word in query.split()[:MAX_SEARCH_WORDS]:
        entries = entries.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return entries.order_by("-decided_at", "-pk")


def own_entries(user: User, program: Program) -> ToolkitEntryQuerySet:
    """Return what the user contributed to the program, in every status."""
    return program.toolkit_entries.filter(author=user)


def review_queue(program: Program) -> ToolkitEntryQuerySet:
    """Return the program's entries waiting for a decision, oldest first."""
    return (
        program.toolkit_entries.submitted()
        .select_related("author")
        .order_by("created_at", "pk")
    )


# --- Services -------------------------------------------------------------------------


def _check_text(*, title: str, body: str) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the entry a title.")
    if not body.strip():
        errors["body"] = _("Write what you want to share.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contribute_entry(
    *,
    program: Program,
    author: User,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    is_anonymous: bool = False,
) -> ToolkitEntry:
    """Submit an entry to the program's toolkit; it waits for a coordinator."""
    _check_text(title=title, body=body)
    entry = ToolkitEntry(
        program=program,
        author=author,
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        link=link,
        is_anonymous=is_anonymous,
    )
    # Choices, lengths and the link's scheme; the constraints are the database's.
    entry.full_clean(
        exclude=["program", "author"], validate_unique=False, validate_constraints=False
    )
    entry.save()
    return entry


def _decide(
    *, entry: ToolkitEntry, decided_by: User, status: str, reason: str = ""
) -> ToolkitEntry:
    locked = ToolkitEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.is_published:
        raise ValidationError(_("This entry is already published."))
    if not locked.is_submitted:
        raise ValidationError(_("This entry was already declined."))
    entry.status = status
    entry.decided_by = decided_by
    entry.decided_at = timezone.now()
    entry.decline_reason = reason.strip()
    entry.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decline_reason",
            "updated_at",
        ]
    )
    return entry


@transaction.atomic
def publish_entry(*, entry: ToolkitEntry, decided_by: User) -> ToolkitEntry:
    """Publish a submitted entry to everyone in its program."""
    return _decide(
        entry=entry, decided_by=decided_by, status=ToolkitEntry.Status.PUBLISHED
    )


@transaction.atomic
def decline_entry(
    *, entry: ToolkitEntry, decided_by: User, reason: str = ""
) -> ToolkitEntry:
    """Decline a submitted entry; only its author sees it, with the reason."""
    return _decide(
        entry=entry,
        decided_by=decided_by,
        status=ToolkitEntry.Status.DECLINED,
        reason=reason,
    )
