"""Notes: the pair's own pages. Coordinators, supervisors and staff get 404 here."""

from __future__ import annotations

import json
from copy import copy
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mentorship import access, note_forms, notes
from mentorship.lib.forms import add_service_error
from mentorship.lib.http import AuthenticatedRequest

PAGE_SIZE = 25


@require_GET
def note_list(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The notes of a mentorship that the user may read: theirs and shared ones."""
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    visible = notes.notes_visible_to(request.user, mentorship)
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentorship/notes/list.html",
        {
            "mentorship": mentorship,
            "page": page,
            "can_write": notes.can_write_notes(request.user, mentorship),
        },
    )


@require_http_methods(["GET", "POST"])
def note_create(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    if not notes.can_write_notes(request.user, mentorship):
        raise PermissionDenied
    form = note_forms.NoteForm(
        request.POST or None,
        initial={"checkin": request.GET.get("checkin")},
        mentorship=mentorship,
        viewer=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = notes.create_note(
                mentorship=mentorship, author=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your note was saved."))
            return redirect(note)
    return render(
        request,
        "mentorship/notes/form.html",
        {"mentorship": mentorship, "form": form, "note": None},
    )


@require_GET
def note_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    note = notes.get_note_for(request.user, public_id)
    return render(
        request,
        "mentorship/notes/detail.html",
        {
            "note": note,
            "mentorship": note.mentorship,
            "can_edit": notes.can_edit_note(request.user, note),
            "can_delete": note.author_id == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
def note_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    note = notes.get_note_for(request.user, public_id, write=True)
    if not note.mentorship.is_active:
        messages.error(request, notes.CLOSED_MESSAGE)
        return redirect(note)
    # The form works on a copy, so the page keeps showing the note as it is stored.
    form = note_forms.NoteEditForm(
        request.POST or None,
        instance=copy(note),
        mentorship=note.mentorship,
        viewer=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            notes.update_note(note=note, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your note was saved."))
            return redirect(note)
    return render(
        request,
        "mentorship/notes/form.html",
        {"mentorship": note.mentorship, "form": form, "note": note},
    )


@require_http_methods(["GET", "POST"])
def note_delete(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    note = notes.get_note_for(request.user, public_id, write=True)
    if request.method == "POST":
        notes.delete_note(note=note, actor=request.user)
        messages.success(request, _("The note was deleted."))
        return redirect("mentorship:note_list", note.mentorship.public_id)
    return render(
        request,
        "mentorship/notes/delete.html",
        {"note": note, "mentorship": note.mentorship},
    )


@require_GET
def note_export(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Download the user's own notes on the mentorship as JSON."""
    mentorship = access.get_pair_mentorship_for(request.user, public_id)
    data = notes.own_notes_export(request.user, mentorship)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"notes-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
