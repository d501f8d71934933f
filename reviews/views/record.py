"""The portable record of an ended mentorship: a page, and its JSON and PDF downloads.

The mentor and the mentee only, each their own record; anyone else gets 404. The
downloads exist once the mentorship has ended; until then they answer 404 and the
page says why.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mentorship.lib.http import AuthenticatedRequest
from mentorship.models import Mentorship
from reviews import access, record


def _ended_mentorship_for(request: AuthenticatedRequest, public_id: UUID) -> Mentorship:
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    if mentorship.is_active:
        raise Http404
    return mentorship


def _attachment(
    data: bytes, content_type: str, mentorship: Mentorship, role: str, ext: str
) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    day = mentorship.ended_on.isoformat() if mentorship.ended_on else "ended"
    name = f"mentoring-record-{role}-{day}.{ext}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def record_page(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """What the record holds and its two downloads; until the end, why not yet."""
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    context = {
        "mentorship": mentorship,
        "role": mentorship.role_of(request.user),
    }
    return render(request, "reviews/record.html", context)


@never_cache
@require_GET
def record_json(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The requester's record as JSON (schema mentoring-record/1), as an attachment."""
    mentorship = _ended_mentorship_for(request, public_id)
    built = record.build_record(mentorship=mentorship, requester=request.user)
    return _attachment(
        record.record_json(built),
        "application/json; charset=utf-8",
        mentorship,
        built.requester.role,
        "json",
    )


@never_cache
@require_GET
def record_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The requester's record as a PDF, the same data as the JSON."""
    mentorship = _ended_mentorship_for(request, public_id)
    built = record.build_record(mentorship=mentorship, requester=request.user)
    return _attachment(
        record.record_pdf(built),
        "application/pdf",
        mentorship,
        built.requester.role,
        "pdf",
    )
