"""The coordinator's cohort dashboard: counts and states, never content.

Every figure is a COUNT or a status. Nothing here reads a note, what a check-in
recorded, what a review said, the text of a consent or what a disclosure disclosed:
the only text that leaves this module is people's names. Every read is a fixed number
of queries whatever the cohort's size: the totals are aggregates over the cohort, and
the roster's counts are grouped queries over the pairs shown (a page, or all of them
for the exports), never one query per pair. The dashboard keeps what it counted for a
minute (RECENT_SECONDS); the exports count afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from weasyprint import HTML

from agreements.models import AgreementVersion, Disclosure
from agreements.pdf import StaticFilesFetcher
from mentorship.models import CheckIn, Cohort, DestructionRecord, Mentorship
from mentorship.views.checkins import checkin_counts
from reviews.models import ProgressReview, SupervisorConsent

T = TypeVar("T")

# Open reviews due today or within this many days count as "due soon". The reminder
# lead (REVIEW_DUE_WARNING_DAYS) is a few days; a coordinator plans further ahead.
DUE_SOON_DAYS = 14
ROSTER_PER_PAGE = 50
# Drifting pairs named above the roster; the rest are counted (they lead the roster).
DRIFTING_LISTED = 20
# Pairs listed in the PDF report; the CSV holds every pair.
REPORT_ROWS = 200
# How long the dashboard shows the same figures (it says when they were counted).
RECENT_SECONDS = 60

CHECKIN_STATES = ("held", "missed", "cancelled", "unrecorded", "upcoming")
# Active pairs first, the longest drifting leading, then in the order they were
# paired. Not by name: that joins every pair's people before the sort, which costs
# more than the rest of a roster page on a cohort of thousands.
ROSTER_ORDER = ("status", F("drifting_since").asc(nulls_last=True), "pk")


class AgreementState:
    """A mentorship's agreement: in effect if a version is, else its open version's
    state, else none. The rank orders them (a lower rank wins)."""

    EFFECTIVE, PROPOSED, DRAFT, NONE = range(4)
    LABELS = {
        NONE: _("No agreement yet"),
        DRAFT: _("Draft"),
        PROPOSED: _("Proposed"),
        EFFECTIVE: _("In effect"),
    }
    NAMES = {NONE: "none", DRAFT: "draft", PROPOSED: "proposed", EFFECTIVE: "effective"}
    ORDER = (NONE, DRAFT, PROPOSED, EFFECTIVE)


def _version_rank() -> Case:
    Status = AgreementVersion.Status
    return Case(
        When(status=Status.EFFECTIVE, then=Value(AgreementState.EFFECTIVE)),
        When(status=Status.PROPOSED, then=Value(AgreementState.PROPOSED)),
        default=Value(AgreementState.DRAFT),
    )


def _counted_versions(**scope: Any) -> QuerySet[AgreementVersion]:
    statuses = [*AgreementVersion.OPEN, AgreementVersion.Status.EFFECTIVE]
    return AgreementVersion.objects.filter(status__in=statuses, **scope)


def _agreement_ranks(**scope: Any) -> QuerySet[Any, Any]:
    """Each agreement's rank (see AgreementState), one row per agreement in scope."""
    return (
        _counted_versions(**scope)
        .order_by()
        .values("agreement__mentorship_id")
        .annotate(rank=Min(_version_rank()))
    )


# --- Totals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """The cohort's figures. Agreements, drift and reviews count active mentorships;
    check-ins, consents, disclosures and destruction records count the whole cohort."""

    counted_at: datetime
    today: date
    due_soon_until: date
    mentorships: int
    active: int
    agreements: dict[str, int]  # by AgreementState.NAMES
    drifting: int
    consents_active: int
    checkins: dict[str, int]
    reviews_open: int
    reviews_due_soon: int
    reviews_overdue: int
    disclosures: int
    disclosures_informed: int
    destruction_records: int
    notes_destroyed: int
    last_destruction_at: datetime | None
    drifting_pairs: list[Mentorship] = field(default_factory=list)

    @property
    def ended(self) -> int:
        return self.mentorships - self.active

    @property
    def agreement_rows(self) -> list[tuple[str, int]]:
        return [
            (
                str(AgreementState.LABELS[rank]),
                self.agreements[AgreementState.NAMES[rank]],
            )
            for rank in AgreementState.ORDER
        ]

    @property
    def checkins_due(self) -> int:
        """Check-ins whose time has come, cancelled ones aside."""
        c = self.checkins
        return c["held"] + c["missed"] + c["unrecorded"]

    @property
    def drifting_unlisted(self) -> int:
        return max(self.drifting - len(self.drifting_pairs), 0)


def _mentorship_counts(cohort: Cohort) -> dict[str, Any]:
    active = Q(status=Mentorship.Status.ACTIVE)
    return Mentorship.objects.filter(cohort=cohort).aggregate(
        mentorships=Count("pk"),
        active=Count("pk", filter=active),
        drifting=Count("pk", filter=active & Q(drifting_since__isnull=False)),
    )


def _agreement_counts(cohort: Cohort, active: int) -> dict[str, int]:
    """Active mentorships by agreement state, in one pass over the cohort's versions."""
    ranks = _agreement_ranks(
        agreement__mentorship__cohort=cohort,
        agreement__mentorship__status=Mentorship.Status.ACTIVE,
    )
    counts = ranks.aggregate(
        **{
            AgreementState.NAMES[rank]: Count(
                "agreement__mentorship_id", filter=Q(rank=rank)
            )
            for rank in AgreementState.ORDER[1:]
        }
    )
    counts["none"] = active - sum(counts.values())
    return counts


def _review_counts(cohort: Cohort, today: date) -> dict[str, Any]:
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return (
        ProgressReview.objects.open()
        .filter(mentorship__cohort=cohort, mentorship__status=Mentorship.Status.ACTIVE)
        .aggregate(
            reviews_open=Count("pk"),
            reviews_due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
            reviews_overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
    )


def _disclosure_counts(cohort: Cohort) -> dict[str, Any]:
    # Metadata only: how many, and how many told the other party. Never to whom or what.
    return Disclosure.objects.filter(agreement__mentorship__cohort=cohort).aggregate(
        disclosures=Count("pk"),
        disclosures_informed=Count(
            "pk", filter=Q(other_party_informed_on__isnull=False)
        ),
    )


def _destruction_counts(cohort: Cohort) -> dict[str, Any]:
    return DestructionRecord.objects.filter(mentorship__cohort=cohort).aggregate(
        destruction_records=Count("pk"),
        notes_destroyed=Coalesce(Sum("note_count"), 0),
        last_destruction_at=Max("run_at"),
    )


def drifting_pairs(cohort: Cohort) -> QuerySet[Mentorship]:
    """Active pairs marked drifting, the longest drifting first."""
    return (
        Mentorship.objects.active()
        .filter(cohort=cohort, drifting_since__isnull=False)
        .select_related("mentor", "mentee")
        .only(
            "public_id",
            "drifting_since",
            "missed_in_row",
            "mentor__full_name",
            "mentee__full_name",
        )
        .order_by("drifting_since", "pk")
    )


def totals(cohort: Cohort, *, now: datetime, today: date) -> Totals:
    """Return the cohort's figures: eight queries whatever the cohort's size."""
    mentorships = _mentorship_counts(cohort)
    return Totals(
        counted_at=now,
        today=today,
        due_soon_until=today + timedelta(days=DUE_SOON_DAYS),
        agreements=_agreement_counts(cohort, mentorships["active"]),
        checkins=CheckIn.objects.filter(mentorship__cohort=cohort).aggregate(
            **checkin_counts(now)
        ),
        consents_active=SupervisorConsent.objects.active(now)
        .filter(mentorship__cohort=cohort)
        .count(),
        drifting_pairs=list(drifting_pairs(cohort)[:DRIFTING_LISTED]),
        **mentorships,
        **_review_counts(cohort, today),
        **_disclosure_counts(cohort),
        **_destruction_counts(cohort),
    )


def _recent(cohort: Cohort, today: date, part: str, count: Callable[[], T]) -> T:
    """Return what `count` returned at most RECENT_SECONDS ago for this cohort, day
    and language (the rows hold translated labels)."""
    key = f"reviews.dashboard:{cohort.public_id}:{today}:{get_language()}:{part}"
    found = cache.get(key)
    if found is None:
        found = count()
        cache.set(key, found, RECENT_SECONDS)
    return found


def recent_totals(cohort: Cohort, *, now: datetime, today: date) -> Totals:
    """Return the cohort's figures as counted at most RECENT_SECONDS ago.

    Counting every check-in of a large cohort costs more than the rest of the page:
    the dashboard counts once a minute per cohort and viewer's day (which sets the
    reviews' window); the exports always count afresh. Only counts and names are
    kept, and the access check is never cached: it runs on every request, before this.
    """
    return _recent(
        cohort, today, "totals", lambda: totals(cohort, now=now, today=today)
    )


# --- The roster --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """One mentorship as the roster, the CSV and the PDF show it: counts and states."""

    mentor: str
    mentee: str
    url: str
    status: str
    is_active: bool
    agreement: str
    agreement_in_effect: bool
    held: int
    missed: int
    unrecorded: int
    upcoming: int
    drifting_since: date | None
    next_review_on: date | None
    reviews_overdue: int
    has_consent: bool

    @property
    def needs_attention(self) -> bool:
        """Active, and drifting, with a review overdue, or without an agreement in
        effect."""
        return self.is_active and bool(
            self.drifting_since or self.reviews_overdue or not self.agreement_in_effect
        )


def _with_people(
    mentorships: QuerySet[Mentorship], now: datetime
) -> QuerySet[Mentorship]:
    """The pairs with their people, agreement rank and whether consent is active."""
    rank = (
        _counted_versions(agreement__mentorship=OuterRef("pk"))
        .annotate(rank=_version_rank())
        .order_by("rank")
        .values("rank")[:1]
    )
    consent = SupervisorConsent.objects.active(now).filter(mentorship=OuterRef("pk"))
    return (
        mentorships.select_related("mentor", "mentee")
        .only(
            "public_id",
            "status",
            "drifting_since",
            "mentor__full_name",
            "mentee__full_name",
        )
        .annotate(
            agreement_rank=Coalesce(Subquery(rank), Value(AgreementState.NONE)),
            has_consent=Exists(consent),
        )
        .order_by(*ROSTER_ORDER)
    )


def rows_for(
    mentorships: Iterable[Mentorship],
    scope: list[int] | QuerySet[Mentorship, Any],
    *,
    now: datetime,
    today: date,
) -> list[RosterRow]:
    """Return the rows of mentorships loaded by _with_people; `scope` holds their pks
    (a list, or a values("pk") queryset). Two grouped queries over the scope:
    check-ins, and open reviews."""
    checkins: dict[int, dict[str, Any]] = {
        row["mentorship_id"]: dict(row)
        for row in CheckIn.objects.filter(mentorship__in=scope)
        .order_by()
        .values("mentorship_id")
        .annotate(**checkin_counts(now))
    }
    reviews: dict[int, dict[str, Any]] = {
        row["mentorship_id"]: dict(row)
        for row in ProgressReview.objects.open()
        .filter(mentorship__in=scope)
        .order_by()
        .values("mentorship_id")
        .annotate(
            first_due=Min("due_on"), overdue=Count("pk", filter=Q(due_on__lt=today))
        )
    }
    none = dict.fromkeys(CHECKIN_STATES, 0)
    rows = []
    for m in mentorships:
        counts = checkins.get(m.pk, none)
        review = reviews.get(m.pk, {"first_due": None, "overdue": 0})
        rank = m.agreement_rank  # type: ignore[attr-defined]
        rows.append(
            RosterRow(
                mentor=m.mentor.full_name,
                mentee=m.mentee.full_name,
                url=m.get_absolute_url(),
                status=m.get_status_display(),
                is_active=m.status == Mentorship.Status.ACTIVE,
                agreement=str(AgreementState.LABELS[rank]),
                agreement_in_effect=rank == AgreementState.EFFECTIVE,
                held=counts["held"],
                missed=counts["missed"],
                unrecorded=counts["unrecorded"],
                upcoming=counts["upcoming"],
                drifting_since=m.drifting_since.date() if m.drifting_since else None,
                # The earliest open review: overdue when it is before today.
                next_review_on=review["first_due"],
                reviews_overdue=review["overdue"],
                has_consent=m.has_consent,  # type: ignore[attr-defined]
            )
        )
    return rows


def roster_page(
    cohort: Cohort, number: str | None, *, now: datetime, today: date
) -> Page[RosterRow]:
    """Return one page of the roster in ROSTER_ORDER, its rows counted at most
    RECENT_SECONDS ago, like the totals.

    The page's length is read on every request (one COUNT), so the page numbers are
    always right. Counting a page costs the page's pairs with their people (picked in
    a subquery on the mentorship table alone), then rows_for's two grouped queries.
    """
    order = Mentorship.objects.filter(cohort=cohort).order_by(*ROSTER_ORDER)
    page = Paginator(order.values("pk"), ROSTER_PER_PAGE).get_page(number)

    def count() -> list[RosterRow]:
        # The page's slice of pks, as a subquery.
        pks = page.object_list
        chosen = _with_people(Mentorship.objects.filter(pk__in=pks), now)  # type: ignore[misc]
        mentorships = list(chosen)
        return rows_for(mentorships, [m.pk for m in mentorships], now=now, today=today)

    rows: list[RosterRow] = _recent(cohort, today, f"page-{page.number}", count)
    page.object_list = rows  # type: ignore[assignment]
    return page  # type: ignore[return-value]


def all_rows(cohort: Cohort, *, now: datetime, today: date) -> list[RosterRow]:
    """Every mentorship of the cohort, in ROSTER_ORDER: three queries."""
    cohort_pairs = Mentorship.objects.filter(cohort=cohort)
    return rows_for(
        _with_people(cohort_pairs, now),
        cohort_pairs.values("pk"),
        now=now,
        today=today,
    )


# --- Exports -----------------------------------------------------------------------------


def csv_rows(totals: Totals, rows: list[RosterRow]) -> Iterable[list[object]]:
    """The totals, a blank line, then one line per mentorship (all of them)."""
    yield ["Figure", "Count"]
    yield ["Mentorships", totals.mentorships]
    yield ["Active mentorships", totals.active]
    for label, count in totals.agreement_rows:
        yield [f"Agreements: {label}", count]
    for state in CHECKIN_STATES:
        yield [f"Check-ins: {state}", totals.checkins[state]]
    yield ["Drifting mentorships", totals.drifting]
    yield ["Open reviews", totals.reviews_open]
    yield [f"Reviews due within {DUE_SOON_DAYS} days", totals.reviews_due_soon]
    yield ["Reviews overdue", totals.reviews_overdue]
    yield ["Consents active", totals.consents_active]
    yield ["Disclosures", totals.disclosures]
    yield ["Disclosures with the other party informed", totals.disclosures_informed]
    yield ["Destruction records", totals.destruction_records]
    yield ["Notes destroyed", totals.notes_destroyed]
    yield []
    yield [
        "Mentor",
        "Mentee",
        "Status",
        "Agreement",
        "Held",
        "Missed",
        "Unrecorded",
        "Upcoming",
        "Drifting since",
        "Next review due",
        "Reviews overdue",
        "Consent active",
    ]
    for row in rows:
        yield [
            row.mentor,
            row.mentee,
            row.status,
            row.agreement,
            row.held,
            row.missed,
            row.unrecorded,
            row.upcoming,
            row.drifting_since or "",
            row.next_review_on or "",
            row.reviews_overdue,
            "yes" if row.has_consent else "no",
        ]


def render_report_pdf(
    context: dict[str, Any], *, fetcher: StaticFilesFetcher | None = None
) -> bytes:
    """Render the cohort report with the agreement PDF's locked-down fetcher: no URL is
    fetched but the app's own static files, and every name is autoescaped. Pass a
    fetcher to inspect which URLs the rendering asked for."""
    if fetcher is None:
        fetcher = StaticFilesFetcher()
    html = render_to_string("pdf/cohort_report.html", context)
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    data: bytes = document.write_pdf(pdf_tags=True)
    return data
