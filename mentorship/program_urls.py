from django.urls import path

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
        views.mentorship_detail,
        name="mentorship_detail",
    ),
]
