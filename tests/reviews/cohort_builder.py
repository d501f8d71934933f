"""A cohort of any size with everything its dashboard counts, inserted in bulk.

The mix is fixed by each pair's index, so a cohort of 2 and one of 5,000 take the same
code paths: agreements in every state, amendments open, check-ins held, missed,
cancelled, unrecorded and upcoming, drifting and closed pairs, reviews scheduled,
overdue, in progress and completed, consents active and withdrawn, disclosures and
destruction records. benchmarks/dashboard.py seeds its 5,000 pairs with it too.
Every free-text field holds SECRET, which no coordinator's page may show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from agreements.models import (
    Agreement,
    AgreementVersion,
    ConfidentialityException,
    Disclosure,
)
from mentorship.models import (
    CheckIn,
    Cohort,
    DestructionRecord,
    Membership,
    Mentorship,
    User,
)
from reviews.models import ProgressReview, SupervisorConsent

SECRET = "canary-dashboard-5d1e"
BATCH = 2000
PAST_CHECKINS = 6
UPCOMING_CHECKINS = 6


def _version_state(i: int) -> str | None:
    """The agreement of pair i: none, a draft, a proposal, or in effect."""
    return {9: None, 7: "draft", 8: "proposed"}.get(i % 10, "effective")


def build_cohort(
    cohort: Cohort, pairs: int, *, tag: str = "p", now: datetime | None = None
) -> list[Mentorship]:
    """Create `pairs` mentorships in the cohort with their history; return them."""
    now = now or timezone.now()
    people = _people(cohort, pairs, tag)
    mentorships = _mentorships(cohort, pairs, people, now)
    versions = _agreements(mentorships, now)
    _checkins(mentorships, now)
    _reviews(mentorships, versions, now)
    _consents(mentorships, now)
    _disclosures(mentorships, versions, now)
    _destruction_records(mentorships, now)
    return mentorships


def _people(cohort: Cohort, pairs: int, tag: str) -> dict[str, list[User]]:
    def users(role: str, n: int) -> list[User]:
        made = User.objects.bulk_create(
            (
                User(
                    email=f"{tag}-{role}{k}@bench.example",
                    full_name=f"{role.title()} {tag}{k}",
                    password="!",
                )
                for k in range(n)
            ),
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            (Membership(cohort=cohort, user=u, role=role) for u in made),
            batch_size=BATCH,
        )
        return made

    return {
        "mentor": users("mentor", pairs),
        "mentee": users("mentee", pairs),
        "supervisor": users("supervisor", -(-pairs // 10)),
    }


def _mentorships(
    cohort: Cohort, pairs: int, people: dict[str, list[User]], now: datetime
) -> list[Mentorship]:
    rows = []
    for i in range(pairs):
        ended = i % 25 == 24
        drifting = i % 10 == 3
        rows.append(
            Mentorship(
                cohort=cohort,
                mentor=people["mentor"][i],
                mentee=people["mentee"][i],
                supervisor=people["supervisor"][i // 10] if i % 2 == 0 else None,
                status="ended" if ended else "active",
                started_on=cohort.starts_on,
                ended_on=now.date() if ended else None,
                ended_at=now if ended else None,
                missed_in_row=2 if drifting else 0,
                drifting_since=now - timedelta(days=1 + i % 30) if drifting else None,
                has_signed_terms=_version_state(i) == "effective",
                cadence="weekly",
                review_cadence="quarterly",
            )
        )
    return Mentorship.objects.bulk_create(rows, batch_size=BATCH)


def _agreements(
    mentorships: list[Mentorship], now: datetime
) -> dict[int, AgreementVersion]:
    """Return the version in force of each pair that has one, by mentorship pk."""
    with_agreement = [
        (i, m, state)
        for i, m in enumerate(mentorships)
        if (state := _version_state(i)) is not None
    ]
    agreements = Agreement.objects.bulk_create(
        (Agreement(mentorship=m) for _i, m, _state in with_agreement),
        batch_size=BATCH,
    )
    firsts = AgreementVersion.objects.bulk_create(
        (
            AgreementVersion(
                agreement=a,
                number=1,
                status=state,
                purpose=SECRET,
                content_hash="" if state == "draft" else "a" * 64,
                effective_at=now if state == "effective" else None,
            )
            for (_i, _m, state), a in zip(with_agreement, agreements, strict=True)
        ),
        batch_size=BATCH,
    )
    in_force = {
        m.pk: v
        for (_i, m, _state), v in zip(with_agreement, firsts, strict=True)
        if v.status == "effective"
    }
    # One pair in 20 is amending its agreement in effect.
    AgreementVersion.objects.bulk_create(
        (
            AgreementVersion(
                agreement=v.agreement, number=2, amends=v, rationale=SECRET
            )
            for (i, m, _state), v in zip(with_agreement, firsts, strict=True)
            if i % 20 == 0 and m.pk in in_force
        ),
        batch_size=BATCH,
    )
    return in_force


def _checkins(mentorships: list[Mentorship], now: datetime) -> None:
    statuses = ["held"] * 5 + ["missed", "cancelled", "scheduled"]
    rows = []
    for i, m in enumerate(mentorships):
        for j in range(PAST_CHECKINS):
            status = statuses[(i + j) % len(statuses)]
            recorded = status in ("held", "missed")
            rows.append(
                CheckIn(
                    mentorship=m,
                    scheduled_at=now - timedelta(days=7 * (PAST_CHECKINS - j), hours=1),
                    status=status,
                    format="video" if status == "held" else "",
                    progress=SECRET if status == "held" else "",
                    recorded_at=now if recorded else None,
                )
            )
        if m.status == "active":
            rows.extend(
                CheckIn(mentorship=m, scheduled_at=now + timedelta(days=7 * j, hours=1))
                for j in range(UPCOMING_CHECKINS)
            )
    CheckIn.objects.bulk_create(rows, batch_size=BATCH)


def _reviews(
    mentorships: list[Mentorship],
    versions: dict[int, AgreementVersion],
    now: datetime,
) -> None:
    today = timezone.localdate(now)
    rows = []
    for i, m in enumerate(mentorships):
        version = versions.get(m.pk)
        if version is None:
            continue
        rows.append(ProgressReview(mentorship=m, due_on=today + timedelta(days=60)))
        if i % 10 == 1:  # overdue, never opened
            rows.append(ProgressReview(mentorship=m, due_on=today - timedelta(days=5)))
        elif i % 10 == 2:  # due soon, being assessed
            rows.append(
                ProgressReview(
                    mentorship=m,
                    due_on=today + timedelta(days=7),
                    status="in_progress",
                    version=version,
                    started_at=now,
                    progress_means=SECRET,
                )
            )
        elif i % 10 == 4:  # done
            rows.append(
                ProgressReview(
                    mentorship=m,
                    due_on=today - timedelta(days=20),
                    status="completed",
                    version=version,
                    outcome="continue",
                    outcome_note=SECRET,
                    completed_at=now,
                )
            )
    ProgressReview.objects.bulk_create(rows, batch_size=BATCH)


def _consents(mentorships: list[Mentorship], now: datetime) -> None:
    def consent(m: Mentorship, **ended: object) -> SupervisorConsent:
        assert m.supervisor_id is not None
        return SupervisorConsent(
            mentorship=m,
            mentee_id=m.mentee_id,
            supervisor_id=m.supervisor_id,
            scope=["attendance", "summary"],
            summary=SECRET,
            granted_at=now - timedelta(days=3),
            granted_via="consent page",
            text_version="1",
            text=SECRET,
            **ended,
        )

    rows = []
    for i, m in enumerate(mentorships):
        if m.supervisor_id is None:
            continue
        if i % 4 == 0:
            rows.append(consent(m))
        elif i % 8 == 2:
            rows.append(
                consent(
                    m, ended_at=now, ended_by_id=m.mentee_id, end_reason="withdrawn"
                )
            )
    SupervisorConsent.objects.bulk_create(rows, batch_size=BATCH)


def _disclosures(
    mentorships: list[Mentorship],
    versions: dict[int, AgreementVersion],
    now: datetime,
) -> None:
    chosen = [
        (i, m) for i, m in enumerate(mentorships) if i % 50 == 5 and m.pk in versions
    ]
    exceptions = ConfidentialityException.objects.bulk_create(
        ConfidentialityException(
            version=versions[m.pk], position=1, kind="safety", description=SECRET
        )
        for _i, m in chosen
    )
    Disclosure.objects.bulk_create(
        Disclosure(
            agreement_id=versions[m.pk].agreement_id,
            exception=exception,
            recorded_by_id=m.mentor_id,
            disclosed_to=SECRET,
            disclosed_on=now.date(),
            description=SECRET,
            other_party_informed_on=now.date() if i % 100 == 5 else None,
        )
        for (i, m), exception in zip(chosen, exceptions, strict=True)
    )


def _destruction_records(mentorships: list[Mentorship], now: datetime) -> None:
    DestructionRecord.objects.bulk_create(
        DestructionRecord(
            mentorship=m,
            note_count=3,
            oldest_created_at=now - timedelta(days=400),
            newest_created_at=now - timedelta(days=380),
            retention_days=365,
            retention_anchor="written",
            due_at=now - timedelta(days=15),
            run_at=now - timedelta(days=14),
            verified=True,
        )
        for i, m in enumerate(mentorships)
        if i % 20 == 6
    )
