"""The coordinator's cohort dashboard, its CSV and its PDF report: counts, no content."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mentorship import access
from mentorship.lib.http import AuthenticatedRequest
from mentorship.lib.spreadsheets import csv_response
from mentorship.models import Cohort
from reviews import dashboard


def _cohort(
    request: AuthenticatedRequest, public_id: UUID
) -> tuple[Cohort, datetime, date]:
    # Coordinators of the cohort's program only: its members get 403, anyone else 404.
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    return cohort, timezone.now(), timezone.localdate()


def _context(cohort: Cohort, now: datetime, totals: dashboard.Totals) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "program": cohort.program,
        "now": now,
        "totals": totals,
        "due_soon_days": dashboard.DUE_SOON_DAYS,
    }


@require_GET
def cohort_dashboard(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The totals (counted at most a minute ago) and a page of the live roster."""
    cohort, now, today = _cohort(request, public_id)
    totals = dashboard.recent_totals(cohort, now=now, today=today)
    context = _context(cohort, now, totals)
    context["page"] = dashboard.roster_page(
        cohort, request.GET.get("page"), now=now, today=today
    )
    return render(request, "reviews/dashboard.html", context)


@never_cache
@require_GET
def cohort_dashboard_csv(
    request: AuthenticatedRequest, public_id: UUID
) -> HttpResponse:
    """Every figure and every pair, counted now."""
    cohort, now, today = _cohort(request, public_id)
    rows = dashboard.csv_rows(
        dashboard.totals(cohort, now=now, today=today),
        dashboard.all_rows(cohort, now=now, today=today),
    )
    return csv_response(f"cohort-{cohort.public_id}-{now:%Y%m%d}.csv", rows)


@never_cache
@require_GET
def cohort_report_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The figures counted now, and the pairs needing attention."""
    cohort, now, today = _cohort(request, public_id)
    context = _context(cohort, now, dashboard.totals(cohort, now=now, today=today))
    rows = dashboard.all_rows(cohort, now=now, today=today)
    listed = [row for row in rows if row.needs_attention]
    context |= {
        "rows": listed[: dashboard.REPORT_ROWS],
        "more_rows": len(listed) - dashboard.REPORT_ROWS,
    }
    data = dashboard.render_report_pdf(context)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"cohort-report-{cohort.public_id}-{now:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
