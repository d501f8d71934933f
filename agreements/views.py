"""Agreement pages: authorize, validate, call one service, respond."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Subquery, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import access, diff, forms, hashing, pdf, services
from agreements.models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    CohortTemplate,
    ConfidentialityException,
)
from mentorship import access as mentorship_access
from mentorship.checkin_forms import RevisitForm
from mentorship.lib.http import AuthenticatedRequest, client_ip
from mentorship.models import Mentorship, Program

Status = AgreementVersion.Status


def _page(agreement: Agreement | None) -> dict[str, object]:
    """Return the versions of an agreement, the one the page is about, disclosures."""
    if agreement is None:
        return {"versions": [], "current": None, "in_force": None, "disclosures": []}
    versions = list(
        agreement.versions.select_related("last_edited_by")
        .prefetch_related("criteria", "exceptions", "signatures")
        .order_by("-number")
    )
    open_version = next((v for v in versions if v.is_open), None)
    in_force = next((v for v in versions if v.status == Status.EFFECTIVE), None)
    disclosures = agreement.disclosures.select_related("exception", "recorded_by")
    return {
        "versions": versions,
        "current": open_version or in_force,
        "in_force": in_force,
        "disclosures": list(disclosures),
    }


@require_GET
def detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship, role = access.get_mentorship_for(request.user, public_id)
    agreement = access.get_agreement(mentorship)
    context: dict[str, object] = {
        "mentorship": mentorship,
        "agreement": agreement,
        "role": role,
        **_page(agreement),
    }
    current = context["current"]
    if isinstance(current, AgreementVersion):
        context["edits"] = _section_edits(current, mentorship)
    if isinstance(current, AgreementVersion) and current.status == Status.PROPOSED:
        signed = {s.role for s in current.signatures.all() if s.round == current.round}
        context["signed_roles"] = signed
    return render(request, "agreements/detail.html", context)


def _section_edits(version: AgreementVersion, mentorship: Mentorship) -> dict[str, str]:
    """Return 'Name, date' of the last change of each section still being drafted."""
    if version.status not in AgreementVersion.OPEN:
        return {}
    names = {
        mentorship.mentor_id: mentorship.mentor.full_name,
        mentorship.mentee_id: mentorship.mentee.full_name,
    }
    return {
        key: _("%(name)s, %(when)s")
        % {
            "name": names.get(edit["by"], "?"),
            "when": date_format(
                timezone.localtime(datetime.fromisoformat(edit["at"])), "j M Y H:i"
            ),
        }
        for key, edit in version.section_edits.items()
    }


@require_POST
def start(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship, _role = access.get_mentorship_for(request.user, public_id, write=True)
    agreement = services.start_agreement(mentorship=mentorship, actor=request.user)
    return redirect("agreements:edit", agreement.versions.get(number=1).public_id)


@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    version, _role = access.get_version_for(request.user, public_id, write=True)
    mentorship = version.agreement.mentorship
    if not version.is_open:
        messages.error(request, _("This version is no longer open for changes."))
        return redirect("agreements:detail", mentorship.public_id)
    draft_forms = forms.DraftForms(
        version, request.POST or None, cohort=mentorship.cohort
    )
    if request.method == "POST" and draft_forms.is_valid():
        was_proposed = version.status == Status.PROPOSED
        try:
            version = services.update_draft(
                version=version,
                editor=request.user,
                draft=draft_forms.draft(),
                seen_updated_at=draft_forms.token.cleaned_data["seen_updated_at"],
            )
        except ValidationError as error:
            version.refresh_from_db()
            if not version.is_open:  # signed by both meanwhile, say
                messages.error(request, " ".join(error.messages))
                return redirect("agreements:detail", mentorship.public_id)
            draft_forms.sections.add_error(None, error)
            return render(
                request,
                "agreements/edit.html",
                {"version": version, "mentorship": mentorship, "forms": draft_forms},
            )
        if was_proposed and version.status == Status.DRAFT:
            messages.warning(
                request, _("Saved. The version is a draft again: propose it to sign.")
            )
        else:
            messages.success(request, _("Draft saved."))
        return redirect("agreements:detail", mentorship.public_id)
    return render(
        request,
        "agreements/edit.html",
        {"version": version, "mentorship": mentorship, "forms": draft_forms},
    )


@require_POST
def propose(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    version, _role = access.get_version_for(request.user, public_id, write=True)
    try:
        services.propose(version=version, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Proposed. Both of you can now sign it."))
    return redirect("agreements:detail", version.agreement.mentorship.public_id)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    version, _role = access.get_version_for(request.user, public_id, write=True)
    mentorship = version.agreement.mentorship
    form = forms.SignForm(
        request.POST or None, initial={"seen_hash": version.content_hash}
    )
    if request.method == "POST" and form.is_valid():
        # Through authenticate(), so django-axes counts wrong passwords here as on
        # the login page and locks out repeated guesses.
        if (
            authenticate(
                request,
                username=request.user.email,
                password=form.cleaned_data["password"],
            )
            != request.user
        ):
            form.add_error("password", _("This is not your password."))
            return _sign_page(request, version, form)
        try:
            services.sign(
                version=version,
                signer=request.user,
                password=form.cleaned_data["password"],
                typed_name=form.cleaned_data["typed_name"],
                seen_hash=form.cleaned_data["seen_hash"],
                intent_accepted=form.cleaned_data["intent"],
                meta=services.SigningMeta(
                    ip_address=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                ),
            )
        except ValidationError as error:
            version.refresh_from_db()
            if form.cleaned_data["seen_hash"] != version.content_hash:
                # Show the new content with its own hash: signing it needs a new read.
                form = forms.SignForm(initial={"seen_hash": version.content_hash})
                messages.error(request, " ".join(error.messages))
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Your signature is recorded."))
            return redirect("agreements:detail", mentorship.public_id)
    return _sign_page(request, version, form)


def _sign_page(
    request: AuthenticatedRequest, version: AgreementVersion, form: forms.SignForm
) -> HttpResponse:
    return render(
        request,
        "agreements/sign.html",
        {"version": version, "mentorship": version.agreement.mentorship, "form": form},
    )


@require_POST
def waive_notice(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    version, _role = access.get_version_for(request.user, public_id, write=True)
    try:
        services.waive_notice(version=version, party=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You waived the notice period."))
    return redirect("agreements:detail", version.agreement.mentorship.public_id)


@require_http_methods(["GET", "POST"])
def amend(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    mentorship, _role = access.get_mentorship_for(request.user, public_id, write=True)
    agreement = access.get_agreement(mentorship)
    if agreement is None:
        messages.error(request, _("Only an agreement in effect can be amended."))
        return redirect("agreements:detail", mentorship.public_id)
    form = forms.AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.propose_amendment(
                agreement=agreement,
                actor=request.user,
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Amendment opened: edit what should change."))
            return redirect("agreements:edit", amendment.public_id)
    return render(
        request, "agreements/amend.html", {"mentorship": mentorship, "form": form}
    )


@never_cache
@require_GET
def pdf_download(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The signed version as a PDF: to the pair only, as an attachment, never cached."""
    version, _role = access.get_version_for(request.user, public_id, write=True)
    try:
        data, _digest = services.deliver_pdf(version=version)
    except ValidationError:
        raise Http404 from None
    name = f"agreement-v{version.number}-{pdf.verification_code(version)}.pdf"
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """Say which signed version a code or a PDF matches, among agreements one may see."""
    posted = request.method == "POST"
    form = forms.VerifyForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    context: dict[str, object] = {"form": form}
    if posted and form.is_valid():
        versions = access.get_signed_versions_for(request.user)
        if form.cleaned_data["code"]:
            match = versions.filter(
                content_hash__startswith=form.cleaned_data["code"]
            ).first()
        else:
            digest = hashlib.sha256(form.cleaned_data["document"].read()).hexdigest()
            match = versions.filter(rendered_pdfs__sha256=digest).first()
        context["checked"] = True
        context["match"] = match
        context["intact"] = bool(match and hashing.verify(match.agreement))
    return render(request, "agreements/verify.html", context)


@require_GET
def compare(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """What changed between two versions, section by section (the pair only)."""
    mentorship, _role = access.get_mentorship_for(request.user, public_id, write=True)
    versions = {
        v.number: v
        for v in AgreementVersion.objects.filter(agreement__mentorship=mentorship)
        .select_related("amends")
        .prefetch_related("criteria", "exceptions")
    }
    numbers = sorted(versions)
    initial = {"older": numbers[-2], "newer": numbers[-1]} if len(numbers) > 1 else {}
    form = forms.CompareForm(request.GET or initial, numbers=numbers)
    sections = None
    if form.is_valid():
        older, newer = form.cleaned_data["older"], form.cleaned_data["newer"]
        sections = diff.diff_versions(versions[older], versions[newer])
    return render(
        request,
        "agreements/compare.html",
        {"mentorship": mentorship, "form": form, "sections": sections},
    )


@require_GET
def cohort_states(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The coordinator's view of a cohort's agreements: states only, no content."""
    cohort = mentorship_access.get_cohort_for(request.user, public_id, manage=True)
    # The state that counts: in effect if a version is, else the newest one's.
    versions = AgreementVersion.objects.filter(agreement__mentorship=OuterRef("pk"))
    state = versions.annotate(
        in_force=Case(When(status=Status.EFFECTIVE, then=0), default=1)
    ).order_by("in_force", "-number")
    mentorships = (
        cohort.mentorships.active()
        .select_related("mentor", "mentee")
        .annotate(
            agreement_status=Subquery(state.values("status")[:1]),
            agreement_version=Subquery(state.values("number")[:1]),
            amendment_open=Exists(
                versions.filter(status__in=AgreementVersion.OPEN, amends__isnull=False)
            ),
        )
        .order_by("mentor__full_name", "mentee__full_name")
    )
    counts = Counter(m.agreement_status or "not_started" for m in mentorships)
    counts["amending"] = sum(m.amendment_open for m in mentorships)
    states = [
        ("not_started", _("Not started")),
        (Status.DRAFT, _("Draft")),
        (Status.PROPOSED, _("Awaiting signatures")),
        (Status.EFFECTIVE, _("In effect")),
        ("amending", _("In effect, amendment open")),
    ]
    return render(
        request,
        "agreements/cohort_states.html",
        {
            "cohort": cohort,
            "mentorships": mentorships,
            "states": [(key, label, counts[key]) for key, label in states],
        },
    )


@require_http_methods(["GET", "POST"])
def disclose(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Record that a confidentiality exception was invoked (the pair only)."""
    mentorship, _role = access.get_mentorship_for(request.user, public_id, write=True)
    agreement = access.get_agreement(mentorship)
    in_force = (
        agreement.versions.filter(status=Status.EFFECTIVE).first()
        if agreement
        else None
    )
    if agreement is None or in_force is None:
        messages.error(
            request, _("Disclosures follow the exceptions of an agreement in force.")
        )
        return redirect("agreements:detail", mentorship.public_id)
    form = forms.DisclosureForm(
        request.POST or None,
        exceptions=list(in_force.exceptions.all()),
        earliest=mentorship.started_on,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_disclosure(
                agreement=agreement, recorded_by=request.user, request=form.to_request()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded. The other party is told by email."))
            return redirect("agreements:detail", mentorship.public_id)
    return render(
        request, "agreements/disclose.html", {"mentorship": mentorship, "form": form}
    )


# --- Templates (coordinators) ---------------------------------------------------------


@require_GET
def templates(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = mentorship_access.get_program_for(request.user, public_id, manage=True)
    return render(
        request,
        "agreements/templates.html",
        {"program": program, "templates": program.agreement_templates.all()},
    )


def _template_page(
    request: AuthenticatedRequest, program: Program, template: AgreementTemplate | None
) -> HttpResponse:
    posted = request.method == "POST"
    form = forms.TemplateForm(
        request.POST if posted else None,
        instance=template
        or AgreementTemplate(program=program, **services.program_defaults(program)),
        program=program,
        prefix="sections",
    )
    rows = template.default_exceptions if template else []
    exceptions = forms.ExceptionFormSet(
        request.POST if posted else None, prefix="exceptions", initial=rows
    )
    if posted and form.is_valid() and exceptions.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.save_template(
            program=program,
            template=template,
            fields=fields,
            exceptions=forms.kept_rows(exceptions, ConfidentialityException.FIELDS),
        )
        messages.success(request, _("Template saved."))
        return redirect("agreements:templates", program.public_id)
    return render(
        request,
        "agreements/template_form.html",
        {
            "program": program,
            "template": template,
            "form": form,
            "exceptions": exceptions,
        },
    )


@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = mentorship_access.get_program_for(request.user, public_id, manage=True)
    return _template_page(request, program, None)


@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    template = access.get_template_for(request.user, public_id)
    return _template_page(request, template.program, template)


@require_http_methods(["GET", "POST"])
def cohort_template(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Choose the template the cohort's agreements start from."""
    cohort = mentorship_access.get_cohort_for(request.user, public_id, manage=True)
    chosen = (
        CohortTemplate.objects.filter(cohort=cohort).select_related("template").first()
    )
    form = forms.CohortTemplateForm(
        request.POST or None,
        program=cohort.program,
        initial={"template": chosen.template.public_id if chosen else None},
    )
    if request.method == "POST" and form.is_valid():
        services.choose_cohort_template(
            cohort=cohort, template=form.cleaned_data["template"]
        )
        messages.success(request, _("The cohort's agreements start from your choice."))
        return redirect(cohort)
    return render(
        request, "agreements/cohort_template.html", {"cohort": cohort, "form": form}
    )


@require_http_methods(["GET", "POST"])
def revisit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The pair revisits their agreement: keep it, amend it, or close the mentorship."""
    prompt = mentorship_access.get_revisit_for(request.user, public_id)
    form = RevisitForm(request.POST or None)
    if request.method == "POST" and prompt.is_open and form.is_valid():
        try:
            amendment = services.revisit_agreement(
                prompt=prompt,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your decision is recorded."))
            if amendment is not None:
                return redirect("agreements:edit", amendment.public_id)
            return redirect(prompt.mentorship)
    return render(
        request,
        "agreements/revisit.html",
        {"prompt": prompt, "mentorship": prompt.mentorship, "form": form},
    )
