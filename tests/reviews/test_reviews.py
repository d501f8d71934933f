"""Assessing a review, completing it, and recalibrating through an amendment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements.models import AgreementVersion
from mentorship import services as mentorship_services
from reviews import services
from reviews.models import CriterionAssessment, ProgressReview
from tests.reviews.helpers import (
    amend_criteria,
    assess_all,
    completed_review,
    completion,
    first_review,
    in_force,
)


@pytest.fixture
def review(mentorship):
    in_force(mentorship)
    mentorship.refresh_from_db()
    return first_review(mentorship)


def test_the_first_assessment_binds_the_review_to_the_version_in_force(review, mentee):
    assert review.status == "scheduled" and review.version is None
    review = assess_all(review, mentee, status="at_risk", rating=2)
    assert review.status == "in_progress"
    assert review.version == services.version_in_force(review.mentorship)
    [a] = CriterionAssessment.objects.all()
    assert (a.role, a.status, a.rating) == ("mentee", "at_risk", 2)


def test_saving_again_replaces_the_partys_own_assessment_only(review, mentor, mentee):
    assess_all(review, mentee, rating=2)
    assess_all(review, mentor, rating=5)
    assess_all(review, mentee, rating=3)
    ratings = dict(CriterionAssessment.objects.values_list("role", "rating"))
    assert ratings == {"mentee": 3, "mentor": 5}


def test_completion_waits_for_both_parties(review, mentorship, mentee):
    assess_all(review, mentee)
    with pytest.raises(ValidationError, match="waiting for Maya Mentor"):
        services.complete_review(
            review=review, actor=mentee, completion=completion(mentorship)
        )


def test_a_completed_review_keeps_calibration_scorecard_and_outcome(mentorship, review):
    done = completed_review(mentorship)
    assert done.pk == review.pk and done.status == "completed"
    assert done.outcome == "continue" and done.amendment is None
    assert done.progress_means == "Leading reviews without help."
    assert {r.dimension: r.rating for r in done.ratings.all()} == {
        name: 3 for name in mentorship.scorecard_dimensions
    }
    with pytest.raises(ValidationError, match="complete"):
        assess_all(done, mentorship.mentee)


def test_recalibrating_opens_an_amendment_naming_the_criteria(mentorship, review):
    criterion = services.version_in_force(mentorship).criteria.get()
    done = completed_review(
        mentorship,
        outcome="recalibrate",
        criteria_to_change=[criterion.pk],
        note="The team changed.",
    )
    amendment = done.amendment
    assert amendment.status == AgreementVersion.Status.DRAFT
    assert criterion.description in amendment.rationale
    assert "The team changed." in amendment.rationale


def test_recalibrating_without_criteria_records_nothing(mentorship, review):
    with pytest.raises(ValidationError):
        completed_review(mentorship, outcome="recalibrate", criteria_to_change=[])
    review.refresh_from_db()
    assert review.status == "in_progress"
    assert not AgreementVersion.objects.filter(status="draft").exists()


def test_later_reviews_measure_the_amended_criteria_earlier_keep_theirs(
    cohort, mentorship
):
    cohort.ends_on = cohort.starts_on.replace(year=cohort.starts_on.year + 1)
    cohort.save(update_fields=["ends_on"])
    mentorship.refresh_from_db()
    in_force(mentorship)
    earlier = completed_review(mentorship)
    amend_criteria(mentorship, "Mentor a new joiner")
    later = mentorship.progress_reviews.open().order_by("due_on").first()
    assess_all(later, mentorship.mentee)
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert later.version.number == 2 and earlier.version.number == 1
    assert [a.criterion.description for a in later.assessments.all()] == [
        "Mentor a new joiner"
    ]
    assert {a.criterion.version_id for a in earlier.assessments.all()} == {
        earlier.version_id
    }


def test_an_assessment_across_an_amendment_is_refused(mentorship, review, mentee):
    old_version = services.version_in_force(mentorship)
    amend_criteria(mentorship, "Something new")
    with pytest.raises(ValidationError, match="agreement changed"):
        services.save_assessments(
            review=review,
            actor=mentee,
            assessments=[],
            seen_version_id=old_version.pk,
        )


def test_no_review_without_an_agreement_or_after_closing(mentorship, mentor):
    mentorship.review_cadence = "quarterly"
    services.plan_reviews(mentorship=mentorship)
    review = first_review(mentorship)
    with pytest.raises(ValidationError, match="none yet"):
        services.save_assessments(review=review, actor=mentor, assessments=[])
    in_force(mentorship)
    review = first_review(mentorship)
    mentorship_services.end_mentorship(mentorship=mentorship, ended_by=mentor)
    assert not ProgressReview.objects.filter(pk=review.pk, status="scheduled").exists()


def test_each_criterion_must_be_assessed_once(review, mentee):
    criterion = services.version_in_force(review.mentorship).criteria.get()
    twice = [services.Assessment(criterion.pk, "met", "", 5)] * 2
    with pytest.raises(ValidationError, match="once"):
        services.save_assessments(review=review, actor=mentee, assessments=twice)


# --- Pages ----------------------------------------------------------------------------


def _assess_data(review, **changes):
    version = services.version_in_force(review.mentorship)
    data = {"version_id": version.pk}
    for c in version.criteria.all():
        data |= {
            f"status_{c.pk}": "met",
            f"evidence_{c.pk}": "Shipped",
            f"rating_{c.pk}": 5,
        }
    return data | changes


def test_the_pair_assesses_and_completes_on_the_page(client, review, mentor, mentee):
    for user in (mentee, mentor):
        client.force_login(user)
        response = client.post(
            reverse("reviews:assess", args=[review.public_id]), _assess_data(review)
        )
        assert response.status_code == 302
    page = client.get(review.get_absolute_url())
    assert "Calibrate and decide" in page.content.decode()
    data = {
        "progress_means": "More reviews led",
        "setback_means": "Fewer",
        "goal_adaptation": "Together",
        "outcome": "continue",
        "note": "",
    } | {f"dimension_{i}": 4 for i in range(3)}
    response = client.post(reverse("reviews:complete", args=[review.public_id]), data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_completed and review.completed_by == mentor


def test_bad_assessment_input_is_explained_and_kept(client, review, mentee):
    client.force_login(mentee)
    criterion = services.version_in_force(review.mentorship).criteria.get()
    data = _assess_data(review, **{f"rating_{criterion.pk}": 9})
    data[f"evidence_{criterion.pk}"] = "<script>kept</script>"
    response = client.post(reverse("reviews:assess", args=[review.public_id]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert "&lt;script&gt;kept&lt;/script&gt;" in body and "<script>kept" not in body
    assert not CriterionAssessment.objects.exists()


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("mentor", 200),
        ("mentee", 200),
        ("supervisor", 404),
        ("coordinator", 404),
        ("outsider", 404),
    ],
)
def test_review_pages_belong_to_the_pair(client, request, review, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(review.get_absolute_url()).status_code == status
    list_url = reverse("reviews:list", args=[review.mentorship.public_id])
    assert client.get(list_url).status_code == status
    post = client.post(reverse("reviews:assess", args=[review.public_id]), {})
    assert post.status_code == (200 if status == 200 else status)


def test_review_actions_are_post_only_and_pages_need_a_login(client, review, mentee):
    assert client.get(review.get_absolute_url()).status_code == 302
    client.force_login(mentee)
    assert (
        client.get(reverse("reviews:assess", args=[review.public_id])).status_code
        == 405
    )
    assert (
        client.get(reverse("reviews:complete", args=[review.public_id])).status_code
        == 405
    )
    assert client.post(review.get_absolute_url()).status_code == 405
