from django.urls import path

from reviews.views import consent, dashboard, record, reviews

app_name = "reviews"

urlpatterns = [
    path("mentorships/<uuid:public_id>/reviews/", reviews.review_list, name="list"),
    path("reviews/<uuid:public_id>/", reviews.detail, name="detail"),
    path("reviews/<uuid:public_id>/assess/", reviews.assess, name="assess"),
    path("reviews/<uuid:public_id>/complete/", reviews.complete, name="complete"),
    path("mentorships/<uuid:public_id>/consent/", consent.consent, name="consent"),
    path(
        "mentorships/<uuid:public_id>/consent/withdraw/",
        consent.withdraw,
        name="withdraw",
    ),
    path(
        "mentorships/<uuid:public_id>/consent/preview/",
        consent.preview,
        name="preview",
    ),
    path("supervision/", consent.supervision, name="supervision"),
    path("supervision/<uuid:public_id>/", consent.summary_page, name="summary"),
    path(
        "supervision/<uuid:public_id>/summary.csv",
        consent.summary_export,
        name="summary_export",
    ),
    # The portable record of an ended mentorship: the pair only, each their own.
    path("mentorships/<uuid:public_id>/record/", record.record_page, name="record"),
    path(
        "mentorships/<uuid:public_id>/record.json",
        record.record_json,
        name="record_json",
    ),
    path(
        "mentorships/<uuid:public_id>/record.pdf",
        record.record_pdf,
        name="record_pdf",
    ),
    # The coordinator's cohort dashboard: counts and states, never content.
    path(
        "cohorts/<uuid:public_id>/dashboard/",
        dashboard.cohort_dashboard,
        name="cohort_dashboard",
    ),
    path(
        "cohorts/<uuid:public_id>/dashboard.csv",
        dashboard.cohort_dashboard_csv,
        name="cohort_dashboard_csv",
    ),
    path(
        "cohorts/<uuid:public_id>/report.pdf",
        dashboard.cohort_report_pdf,
        name="cohort_report_pdf",
    ),
]
