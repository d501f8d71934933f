from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("mentorships/<uuid:public_id>/agreement/", views.detail, name="detail"),
    path("mentorships/<uuid:public_id>/agreement/start/", views.start, name="start"),
    path("mentorships/<uuid:public_id>/agreement/amend/", views.amend, name="amend"),
    path(
        "mentorships/<uuid:public_id>/agreement/compare/",
        views.compare,
        name="compare",
    ),
    path(
        "mentorships/<uuid:public_id>/agreement/disclosures/new/",
        views.disclose,
        name="disclose",
    ),
    path("agreements/verify/", views.verify, name="verify"),
    path(
        "programs/<uuid:public_id>/agreement-templates/",
        views.templates,
        name="templates",
    ),
    path(
        "programs/<uuid:public_id>/agreement-templates/new/",
        views.template_create,
        name="template_create",
    ),
    path(
        "agreement-templates/<uuid:public_id>/edit/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "cohorts/<uuid:public_id>/agreement-template/",
        views.cohort_template,
        name="cohort_template",
    ),
    path(
        "cohorts/<uuid:public_id>/agreements/",
        views.cohort_states,
        name="cohort_states",
    ),
    path("agreement-versions/<uuid:public_id>/pdf/", views.pdf_download, name="pdf"),
    path("agreement-versions/<uuid:public_id>/edit/", views.edit, name="edit"),
    path("agreement-versions/<uuid:public_id>/propose/", views.propose, name="propose"),
    path("agreement-versions/<uuid:public_id>/sign/", views.sign, name="sign"),
    path(
        "agreement-versions/<uuid:public_id>/waive-notice/",
        views.waive_notice,
        name="waive_notice",
    ),
    path("revisits/<uuid:public_id>/", views.revisit, name="revisit"),
]
