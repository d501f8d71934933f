"""Retention pages: what the purge destroyed, for the coordinators (metadata only)."""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mentorship import access
from mentorship.lib.http import AuthenticatedRequest
from mentorship.models import DestructionRecord

RECORDS_PER_PAGE = 100


@require_GET
def destruction_records(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The cohort's destruction records: counts, times and rules, never content."""
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    records = DestructionRecord.objects.filter(
        mentorship__cohort=cohort
    ).select_related("mentorship__mentor", "mentorship__mentee")
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentorship/destruction_records.html",
        {"cohort": cohort, "program": cohort.program, "page": page},
    )
