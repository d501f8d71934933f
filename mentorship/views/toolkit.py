"""The living toolkit: browse and search it, contribute, and (coordinators) decide."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import access, toolkit, toolkit_forms
from mentorship.lib.forms import add_service_error
from mentorship.lib.http import AuthenticatedRequest
from mentorship.models import Program, ToolkitEntry

PAGE_SIZE = 20
# The newest of the user's own contributions shown beside the published ones.
OWN_LIMIT = 20


@require_GET
def toolkit_list(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The program's published entries, searched and filtered; the user's own."""
    program = access.get_program_for(request.user, public_id)
    form = toolkit_forms.SearchForm(request.GET or None)
    filters = form.filters
    entries = toolkit.published_entries(program, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    is_coordinator = program.is_coordinator  # type: ignore[attr-defined]
    return render(
        request,
        "mentorship/toolkit/list.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "is_searching": bool(filters["query"] or filters["kind"]),
            "own_entries": toolkit.own_entries(request.user, program)[:OWN_LIMIT],
            "can_contribute": toolkit.can_contribute(request.user, program),
            "is_coordinator": is_coordinator,
            "waiting": toolkit.review_queue(program).count() if is_coordinator else 0,
        },
    )


@require_http_methods(["GET", "POST"])
def toolkit_create(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = access.get_program_for(request.user, public_id)
    if not toolkit.can_contribute(request.user, program):
        raise PermissionDenied
    form = toolkit_forms.ToolkitEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            toolkit.contribute_entry(
                program=program, author=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you. A coordinator reviews your entry before others see it."),
            )
            return redirect("mentorship:toolkit_list", program.public_id)
    return render(
        request, "mentorship/toolkit/form.html", {"program": program, "form": form}
    )


@require_GET
def toolkit_review(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The coordinators' queue of entries waiting for a decision."""
    program = access.get_program_for(request.user, public_id, manage=True)
    return _review_page(request, program)


def _review_page(
    request: AuthenticatedRequest,
    program: Program,
    declining: tuple[ToolkitEntry, toolkit_forms.DeclineForm] | None = None,
) -> HttpResponse:
    """Render the queue; `declining` is a decline form sent back with its errors."""
    page = Paginator(toolkit.review_queue(program), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        (entry, toolkit_forms.DeclineForm(prefix=str(entry.public_id)))
        for entry in page.object_list
        if not (declining and declining[0].pk == entry.pk)
    ]
    if declining:
        # First, wherever it sits in the queue, so its errors are seen.
        rows.insert(0, declining)
    return render(
        request,
        "mentorship/toolkit/review.html",
        {"program": program, "page": page, "rows": rows},
    )


@require_POST
def toolkit_publish(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    entry = access.get_toolkit_entry_for(request.user, public_id)
    try:
        toolkit.publish_entry(entry=entry, decided_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Published “%(title)s”.") % {"title": entry.title})
    return redirect("mentorship:toolkit_review", entry.program.public_id)


@require_POST
def toolkit_decline(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    entry = access.get_toolkit_entry_for(request.user, public_id)
    form = toolkit_forms.DeclineForm(request.POST, prefix=str(entry.public_id))
    if not form.is_valid():
        return _review_page(request, entry.program, declining=(entry, form))
    try:
        toolkit.decline_entry(
            entry=entry,
            decided_by=request.user,
            reason=form.cleaned_data["decline_reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Declined “%(title)s”.") % {"title": entry.title})
    return redirect("mentorship:toolkit_review", entry.program.public_id)
