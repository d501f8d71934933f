from django.urls import path

from mentorship.views import account, checkins, notes, retention, toolkit
from mentorship.views import programs as views

app_name = "mentorship"

urlpatterns = [
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<uuid:public_id>/", views.program_detail, name="program_detail"),
    path("programs/<uuid:public_id>/edit/", views.program_edit, name="program_edit"),
    path(
        "programs/<uuid:public_id>/cohorts/new/",
        views.cohort_create,
        name="cohort_create",
    ),
    path("cohorts/<uuid:public_id>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<uuid:public_id>/edit/", views.cohort_edit, name="cohort_edit"),
    path(
        "cohorts/<uuid:public_id>/profile/<str:role>/",
        views.profile,
        name="profile",
    ),
    path("cohorts/<uuid:public_id>/invitations/new/", views.invite, name="invite"),
    path(
        "cohorts/<uuid:public_id>/invitations/import/",
        views.invitation_import,
        name="invitation_import",
    ),
    path(
        "cohorts/<uuid:public_id>/invitations/template.csv",
        views.invitation_template,
        name="invitation_template",
    ),
    path("cohorts/<uuid:public_id>/pairing/", views.pairing, name="pairing"),
    path(
        "invitations/<uuid:public_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("join/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "mentorships/<uuid:public_id>/",
        checkins.mentorship_detail,
        name="mentorship_detail",
    ),
    path(
        "mentorships/<uuid:public_id>/close/",
        checkins.mentorship_close,
        name="mentorship_close",
    ),
    path(
        "mentorships/<uuid:public_id>/meeting-time/",
        checkins.meeting_time,
        name="meeting_time",
    ),
    # Check-ins: the pair only.
    path(
        "mentorships/<uuid:public_id>/checkins/new/",
        checkins.checkin_add,
        name="checkin_add",
    ),
    path("checkins/<uuid:public_id>/", checkins.checkin_detail, name="checkin_detail"),
    path(
        "checkins/<uuid:public_id>/record/",
        checkins.checkin_record,
        name="checkin_record",
    ),
    path(
        "checkins/<uuid:public_id>/reschedule/",
        checkins.checkin_reschedule,
        name="checkin_reschedule",
    ),
    path(
        "checkins/<uuid:public_id>/cancel/",
        checkins.checkin_cancel,
        name="checkin_cancel",
    ),
    # The coordinator's view of a cohort's running mentorships: counts, no content.
    path(
        "cohorts/<uuid:public_id>/activity/",
        checkins.cohort_activity,
        name="cohort_activity",
    ),
    # Notes: per-object permissions (django-guardian).
    path("mentorships/<uuid:public_id>/notes/", notes.note_list, name="note_list"),
    path(
        "mentorships/<uuid:public_id>/notes/new/",
        notes.note_create,
        name="note_create",
    ),
    path(
        "mentorships/<uuid:public_id>/notes/export/",
        notes.note_export,
        name="note_export",
    ),
    path("notes/<uuid:public_id>/", notes.note_detail, name="note_detail"),
    path("notes/<uuid:public_id>/edit/", notes.note_edit, name="note_edit"),
    path("notes/<uuid:public_id>/delete/", notes.note_delete, name="note_delete"),
    # Retention: what was destroyed, for coordinators (metadata only).
    path(
        "cohorts/<uuid:public_id>/destruction-records/",
        retention.destruction_records,
        name="destruction_records",
    ),
    # The living toolkit: everyone in the program reads it; coordinators decide.
    path(
        "programs/<uuid:public_id>/toolkit/",
        toolkit.toolkit_list,
        name="toolkit_list",
    ),
    path(
        "programs/<uuid:public_id>/toolkit/new/",
        toolkit.toolkit_create,
        name="toolkit_create",
    ),
    path(
        "programs/<uuid:public_id>/toolkit/review/",
        toolkit.toolkit_review,
        name="toolkit_review",
    ),
    path(
        "toolkit/<uuid:public_id>/publish/",
        toolkit.toolkit_publish,
        name="toolkit_publish",
    ),
    path(
        "toolkit/<uuid:public_id>/decline/",
        toolkit.toolkit_decline,
        name="toolkit_decline",
    ),
    # Account preferences and the calendar feed (the feed's secret is its address).
    path("account/preferences/", account.preferences, name="preferences"),
    path("account/calendar/", account.calendar_token, name="calendar_token"),
    path("calendar/<str:token>.ics", account.calendar_feed, name="calendar_feed"),
]
