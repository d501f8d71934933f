"""Admin for operators running the service. Coordinators work in the app, not here.

Cohorts, memberships, invitations and mentorships are view-only here: their rules
(capacity, supervisors, dates, single-use links) live in the services, which the
app's pages call. Programs stay editable, to add or remove coordinators.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mentorship.models import (
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Note,
    Program,
    ToolkitEntry,
    User,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        (_("Person"), {"fields": ["full_name"]}),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "password1", "password2"],
            },
        ),
    ]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "default_cadence", "default_retention_days", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["coordinators"]
    readonly_fields = ["public_id"]


@admin.register(Cohort)
class CohortAdmin(ViewOnlyAdmin):
    list_display = ["name", "program", "starts_on", "ends_on", "status"]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    readonly_fields = ["public_id"]


@admin.register(Membership)
class MembershipAdmin(ViewOnlyAdmin):
    list_display = ["user", "cohort", "role", "capacity"]
    list_filter = ["role"]
    list_select_related = ["user", "cohort__program"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user", "cohort"]
    readonly_fields = ["public_id"]


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyAdmin):
    list_display = ["email", "cohort", "role", "expires_at", "sent_at", "accepted_at"]
    list_select_related = ["cohort__program"]
    search_fields = ["email"]
    raw_id_fields = ["cohort", "invited_by", "accepted_by"]
    readonly_fields = ["public_id", "sent_at", "accepted_at", "accepted_by"]


@admin.register(Mentorship)
class MentorshipAdmin(ViewOnlyAdmin):
    list_display = ["__str__", "cohort", "status", "started_on", "ended_on"]
    list_filter = ["status"]
    list_select_related = ["mentor", "mentee", "cohort__program"]
    raw_id_fields = ["cohort", "mentor", "mentee", "supervisor", "created_by"]
    readonly_fields = ["public_id"]
    # What the closer wrote is for the pair: staff see that and when it closed.
    exclude = ["close_reason"]

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        # Deleting one would take its check-ins and notes with it, past the retention
        # purge and its destruction records; a mentorship is closed in the app.
        return False


@admin.register(Note)
class NoteAdmin(ViewOnlyAdmin):
    """Who wrote a note where, and until when it is kept: never what it says."""

    # No body anywhere: not listed, not on the change page, not searchable.
    list_display = [
        "__str__",
        "mentorship",
        "author",
        "visibility",
        "created_at",
        "expires_at",
    ]
    list_filter = ["visibility"]
    list_select_related = ["author", "mentorship__mentor", "mentorship__mentee"]
    fields = readonly_fields = (
        "public_id",
        "mentorship",
        "author",
        "visibility",
        "created_at",
        "expires_at",
    )

    def has_delete_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        # Notes go through their author or the retention purge, not an operator.
        return False


@admin.register(ToolkitEntry)
class ToolkitEntryAdmin(ViewOnlyAdmin):
    """Coordinators publish and decline in the app; operators may delete abuse."""

    # No author: an anonymous entry stays anonymous here too.
    list_display = ["title", "program", "kind", "status", "is_anonymous", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["program"]
    search_fields = ["title"]
    fields = readonly_fields = (
        "public_id",
        "program",
        "kind",
        "title",
        "body",
        "link",
        "is_anonymous",
        "status",
        "decided_at",
        "created_at",
    )
