"""A mentorship lived and closed, for the portable record's tests: built through the
services, with text each party wrote that the tests look for (or must not find)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agreements import services as agreement_services
from mentorship import notes, retention
from mentorship import services as mentorship_services
from mentorship.models import Mentorship, Note
from reviews import services
from reviews.models import ProgressReview, SummaryView
from tests import factories

MENTOR_META = agreement_services.SigningMeta("10.1.1.1", "MentorBrowser/1.0")
MENTEE_META = agreement_services.SigningMeta("10.2.2.2", "MenteeBrowser/2.0")
PRIVATE, SHARED = Note.Visibility.PRIVATE, Note.Visibility.SHARED


def sign_agreement(mentorship):
    """Sign version 1, each party from their own address and browser."""
    agreement = agreement_services.start_agreement(
        mentorship=mentorship, actor=mentorship.mentor
    )
    version = agreement.versions.get()
    agreement_services.update_draft(
        version=version, editor=mentorship.mentor, draft=factories.complete_draft()
    )
    version = agreement_services.propose(version=version, actor=mentorship.mentee)
    factories.sign_as(version, mentorship.mentor, meta=MENTOR_META)
    factories.sign_as(version, mentorship.mentee, meta=MENTEE_META)
    version.refresh_from_db()
    return version


def amend(version, *, purpose, sign=True):
    """Amend the version in force; signed by both, notice waived, it takes effect."""
    mentorship = version.agreement.mentorship
    draft = agreement_services.propose_amendment(
        agreement=version.agreement, actor=mentorship.mentee, rationale="Sharper aim."
    )
    agreement_services.update_draft(
        version=draft,
        editor=mentorship.mentee,
        draft=factories.complete_draft(purpose=purpose),
    )
    if not sign:
        return draft
    draft = agreement_services.propose(version=draft, actor=mentorship.mentor)
    factories.sign_as(draft, mentorship.mentor, meta=MENTOR_META)
    factories.sign_as(draft, mentorship.mentee, meta=MENTEE_META)
    for party in (mentorship.mentor, mentorship.mentee):
        agreement_services.waive_notice(version=draft, party=party)
    draft.refresh_from_db()
    return draft


def write(mentorship, author, body, visibility=PRIVATE):
    return notes.create_note(
        mentorship=mentorship, author=author, body=body, visibility=visibility
    )


def complete_review(mentorship, *, days_ago, note="Keep going."):
    """Complete a review due `days_ago`, both parties assessing every criterion."""
    review = ProgressReview.objects.create(
        mentorship=mentorship, due_on=timezone.localdate() - timedelta(days=days_ago)
    )
    criteria = services.version_in_force(mentorship).criteria.all()
    for actor, status, rating in (
        (mentorship.mentee, "on_track", 4),
        (mentorship.mentor, "at_risk", 2),
    ):
        services.save_assessments(
            review=review,
            actor=actor,
            assessments=[
                services.Assessment(
                    c.pk, status, f"Evidence of {actor.full_name} {days_ago}", rating
                )
                for c in criteria
            ],
        )
    dimensions = Mentorship.objects.get(pk=mentorship.pk).scorecard_dimensions
    return services.complete_review(
        review=review,
        actor=mentorship.mentee,
        completion=services.Completion(
            outcome="continue",
            note=note,
            progress_means=f"Progress means {days_ago}",
            setback_means="A missed deadline.",
            goal_adaptation="We revisit monthly.",
            ratings={name: 3 for name in dimensions},
        ),
    )


def grant(mentorship, *, scope=("criteria",), summary="", views=0):
    consent = services.grant_consent(
        mentorship=mentorship,
        mentee=mentorship.mentee,
        grant=services.Grant(
            scope=list(scope),
            summary=summary,
            expires_at=timezone.now() + timedelta(days=30),
            seen_digest=services.text_digest(
                services.consent_text(mentorship=mentorship)
            ),
            ip_address="10.2.2.3",
            user_agent="MenteeBrowser/2.0",
        ),
    )
    SummaryView.objects.bulk_create(
        SummaryView(consent=consent, viewer=mentorship.supervisor, kind="page")
        for _ in range(views)
    )
    return consent


def close(mentorship, by=None):
    return mentorship_services.end_mentorship(
        mentorship=mentorship, ended_by=by or mentorship.mentor, reason="Done."
    )


def live_and_close(mentorship, *, rows=1):
    """Sign, write notes of every kind, review, consent twice, then close.

    Return the notes that must not reach any record: purged and expired ones.
    """
    sign_agreement(mentorship)
    mentor, mentee = mentorship.mentor, mentorship.mentee
    for n in range(rows):
        write(mentorship, mentor, f"Mentor private {n}")
        write(mentorship, mentor, f"Mentor shared {n}", SHARED)
        write(mentorship, mentee, f"Mentee private {n}")
        write(mentorship, mentee, f"Mentee shared {n}", SHARED)
        complete_review(mentorship, days_ago=n + 1)
        grant(
            mentorship, scope=("criteria", "summary"), summary=f"Summary {n}", views=2
        )
    services.withdraw_consent(mentorship=mentorship, mentee=mentee)
    purged = write(mentorship, mentee, "Mentee purged")
    expired = write(mentorship, mentee, "Mentee expired")
    close(mentorship)
    past = timezone.now() - timedelta(minutes=1)
    Note.objects.filter(pk=purged.pk).update(expires_at=past)
    retention.purge_expired_notes()
    # Past its expiry, the sweep not yet run: as good as destroyed.
    Note.objects.filter(pk=expired.pk).update(expires_at=past)
    mentorship.refresh_from_db()
    return purged, expired
