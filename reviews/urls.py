from django.urls import path

from reviews.views import consent, reviews

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
]
