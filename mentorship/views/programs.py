"""Pages of the program app: authorize, validate, call one service, respond."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import access, forms, matching, services
from mentorship.lib.http import AuthenticatedRequest
from mentorship.lib.queries import count_of
from mentorship.models import (
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    Role,
    User,
)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers: for load balancers and compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("cohort__program")
        .order_by("cohort__program__name", "cohort__name", "role")
    )
    mentorships = (
        Mentorship.objects.filter(Q(mentor=user) | Q(mentee=user))
        .with_people()
        .order_by("status", "-started_on")  # active before ended
    )
    supervised = Mentorship.objects.active().filter(supervisor=user).with_people()
    programs = Program.objects.coordinated_by(user).annotate(
        cohort_count=Count("cohorts")
    )
    return render(
        request,
        "mentorship/home.html",
        {
            "memberships": memberships,
            "mentorships": mentorships,
            "supervised": supervised,
            "programs": programs,
            "can_create_program": user.has_perm("mentorship.add_program"),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, with links built from SITE_URL instead of the request's Host."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


# --- Programs -------------------------------------------------------------------------


@require_GET
def program_list(request: AuthenticatedRequest) -> HttpResponse:
    programs = Program.objects.coordinated_by(request.user).annotate(
        cohort_count=count_of(
            Cohort.objects.filter(program=OuterRef("pk")), by="program"
        ),
        coordinator_count=count_of(
            Program.coordinators.through.objects.filter(program=OuterRef("pk")),
            by="program",
        ),
    )
    return render(
        request,
        "mentorship/program_list.html",
        {
            "programs": programs,
            "can_create_program": request.user.has_perm("mentorship.add_program"),
        },
    )


@permission_required("mentorship.add_program", raise_exception=True)
@require_http_methods(["GET", "POST"])
def program_create(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        program = services.create_program(
            created_by=request.user, fields=form.cleaned_data
        )
        messages.success(request, _("Program created. Add its first cohort."))
        return redirect(program)
    return render(
        request, "mentorship/program_form.html", {"form": form, "program": None}
    )


@require_GET
def program_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = access.get_program_for(request.user, public_id, manage=True)
    cohorts = program.cohorts.annotate(
        member_count=count_of(
            Membership.objects.filter(cohort=OuterRef("pk")), by="cohort"
        ),
        mentorship_count=count_of(
            Mentorship.objects.active().filter(cohort=OuterRef("pk")), by="cohort"
        ),
    )
    return render(
        request,
        "mentorship/program_detail.html",
        {
            "program": program,
            "cohorts": cohorts,
            "coordinators": program.coordinators.order_by("full_name"),
        },
    )


@require_http_methods(["GET", "POST"])
def program_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = access.get_program_for(request.user, public_id, manage=True)
    form = forms.ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        services.update_program(program=program, fields=form.cleaned_data)
        messages.success(request, _("Program saved."))
        return redirect(program)
    return render(
        request, "mentorship/program_form.html", {"form": form, "program": program}
    )


# --- Cohorts --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cohort_create(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    program = access.get_program_for(request.user, public_id, manage=True)
    form = forms.CohortForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.create_cohort(program=program, fields=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Cohort created. Invite its people next."))
            return redirect(cohort)
    return render(
        request,
        "mentorship/cohort_form.html",
        {"form": form, "program": program, "cohort": None},
    )


@require_http_methods(["GET", "POST"])
def cohort_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    form = forms.CohortForm(
        request.POST or None, instance=cohort, program=cohort.program
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cohort(cohort=cohort, fields=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Cohort saved."))
            return redirect(cohort)
    return render(
        request,
        "mentorship/cohort_form.html",
        {"form": form, "program": cohort.program, "cohort": cohort},
    )


@require_GET
def cohort_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The roster: members by role, mentorships and invitations."""
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    members = cohort.memberships.select_related("user").order_by("user__full_name")
    by_role: dict[str, list[Membership]] = {role: [] for role in Role.values}
    for membership in members:
        by_role[membership.role].append(membership)
    mentorships = cohort.mentorships.with_people().order_by(
        "status",
        "mentor__full_name",  # active before ended
    )
    invitations = cohort.invitations.filter(accepted_at=None, revoked_at=None)
    return render(
        request,
        "mentorship/cohort_detail.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "roles": [(Role(role).label, by_role[role]) for role in Role.values],
            "mentorships": mentorships,
            "invitations": invitations.order_by("email"),
        },
    )


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest, public_id: UUID, role: str) -> HttpResponse:
    """A member's own matching profile for one role they hold in the cohort."""
    cohort = access.get_cohort_for(request.user, public_id)
    membership = access.get_membership_for(request.user, cohort, role)
    form = forms.ProfileForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(membership=membership, fields=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("home")
    return render(
        request,
        "mentorship/profile_form.html",
        {"form": form, "cohort": cohort, "membership": membership},
    )


# --- Invitations ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    form = forms.InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_person(
                cohort=cohort, request=form.to_request(), invited_by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect(cohort)
    return render(
        request,
        "mentorship/invite_form.html",
        {"form": form, "cohort": cohort, "valid_days": settings.INVITATION_VALID_DAYS},
    )


@require_http_methods(["GET", "POST"])
def invitation_import(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    form = forms.InvitationImportForm(request.POST or None, request.FILES or None)
    row_errors: list[services.RowError] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.import_invitations(
                    cohort=cohort, rows=form.rows, invited_by=request.user
                )
            except services.ImportRejected as rejected:
                row_errors = rejected.errors
                form.add_error("file", _("Nothing was imported. Fix the rows below."))
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d invitation sent.",
                        "%(count)d invitations sent.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
                return redirect(cohort)
        else:
            row_errors = form.row_errors
    return render(
        request,
        "mentorship/invitation_import.html",
        {"form": form, "cohort": cohort, "row_errors": row_errors},
    )


@require_GET
def invitation_template(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    access.get_cohort_for(request.user, public_id, manage=True)
    response = HttpResponse(
        "email,name,role,supervisor_email\r\n"
        "ada@example.org,Ada Lovelace,mentee,grace@example.org\r\n"
        "alan@example.org,Alan Turing,mentor,\r\n"
        "grace@example.org,Grace Hopper,supervisor,\r\n",
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="invitations.csv"'
    return response


@require_POST
def invitation_resend(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    invitation = access.get_invitation_for(request.user, public_id)
    try:
        services.resend_invitation(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Invitation sent again to %(email)s.") % {"email": invitation.email},
        )
    return redirect(invitation.cohort)


@require_POST
def invitation_revoke(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    invitation = access.get_invitation_for(request.user, public_id)
    try:
        services.revoke_invitation(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Invitation to %(email)s revoked.") % {"email": invitation.email}
        )
    return redirect(invitation.cohort)


def _invitation_from_token(token: str) -> Invitation | None:
    try:
        public_id = Invitation.public_id_from_token(token)
    except signing.BadSignature:
        return None
    return (
        Invitation.objects.select_related("cohort__program", "invited_by")
        .filter(public_id=public_id)
        .first()
    )


def _unusable(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    status = invitation.status if invitation else "invalid"
    return render(
        request,
        "mentorship/invitation_unusable.html",
        {"status": status, "invitation": invitation},
        status=400 if invitation is None else 410,
    )


@login_not_required
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation_from_token(token)
    if invitation is None or not invitation.is_pending:
        return _unusable(request, invitation)
    existing = User.objects.filter(email=invitation.email).first()
    if existing is not None:
        return _accept_as_existing(request, invitation, existing)
    form = forms.AcceptInvitationForm(
        request.POST or None,
        email=invitation.email,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.accept_invitation(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnusable:
            invitation.refresh_from_db()
            return _unusable(request, invitation)
        except ValidationError as error:
            form.add_error(None, error)
            return render(
                request,
                "mentorship/invitation_accept.html",
                {"invitation": invitation, "form": form},
            )
        login(request, membership.user, backend=AUTH_BACKEND)
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("home")
    return render(
        request,
        "mentorship/invitation_accept.html",
        {"invitation": invitation, "form": form},
    )


def _accept_as_existing(
    request: HttpRequest, invitation: Invitation, account: User
) -> HttpResponse:
    """An account with the invited email exists: its owner joins by signing in."""
    signed_in_as_owner = request.user.is_authenticated and request.user.pk == account.pk
    if request.method == "POST" and signed_in_as_owner:
        try:
            services.accept_invitation(invitation=invitation, user=account)
        except services.InvitationUnusable:
            invitation.refresh_from_db()
            return _unusable(request, invitation)
        messages.success(
            request, _("You joined %(cohort)s.") % {"cohort": invitation.cohort}
        )
        return redirect("home")
    return render(
        request,
        "mentorship/invitation_join.html",
        {"invitation": invitation, "signed_in_as_owner": signed_in_as_owner},
    )


# --- Pairing and mentorships ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pairing(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Suggestions for unpaired mentees, and the form that pairs two people."""
    cohort = access.get_cohort_for(request.user, public_id, manage=True)
    # Today, kept within the cohort (which ends the day before ends_on for a start).
    last_start = cohort.ends_on - timedelta(days=1)
    default_start = min(max(timezone.localdate(), cohort.starts_on), last_start)
    form = forms.PairForm(
        request.POST or None, cohort=cohort, initial={"started_on": default_start}
    )
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = services.pair_mentorship(
                cohort=cohort, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Paired %(pair)s.") % {"pair": mentorship})
            return redirect(cohort)
    return render(
        request,
        "mentorship/pairing.html",
        {
            "cohort": cohort,
            "form": form,
            "default_start": default_start,
            "board": matching.pairing_board(cohort),
        },
    )
