"""Demo agreements: one in effect with an amendment, and one still in draft."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from agreements import services
from agreements.models import Agreement
from mentorship.models import Cohort, Mentorship, User

DEMO_PASSWORD = "mentoring-demo"

SECTIONS = {
    "purpose": "Help Eli grow from senior engineer to technical lead within a year, "
    "drawing on Maya's experience leading platform teams.",
    "cadence": "biweekly",
    "formats": ["video", "in_person"],
    "channels": ["chat", "email"],
    "feedback_baseline": "Specific feedback after each design review Eli leads.",
    "out_of_scope": "Hiring or promotion decisions; exclusive commitments.",
    "mentor_commitments": "Prepare for each session; review one design doc a month.",
    "mentee_commitments": "Bring an agenda; follow up on agreed next steps.",
    "boundaries": "Weekday mornings; sensitive topics only when Eli raises them.",
    "private_matters": "Everything said in sessions, unless an exception applies.",
    "confidential_kinds": ["career plans", "feedback about colleagues"],
    "notes_handling": "Notes stay private to their author unless shared with both.",
    "retention_days": 180,
    "notice_days": 14,
    "renegotiation_triggers": "A change of role, or two missed sessions in a row.",
    "change_recording": "Amendments signed here, with the reason for each.",
    "mentee_aspirations": "Lead the next platform migration.",
}
EXCEPTIONS = [
    {"kind": "safety", "description": "A risk of harm to Eli or anyone else."},
    {"kind": "legal", "description": "A legal obligation to disclose."},
]


def _criteria() -> list[dict[str, Any]]:
    due = timezone.localdate() + timedelta(days=90)
    return [
        {
            "description": "Lead design reviews for the team",
            "metric": "design reviews led",
            "target": "3",
            "due_on": due,
            "method": "deliverable",
            "competency": "Technical leadership",
        },
        {
            "description": "Present at the engineering all-hands",
            "metric": "talks given",
            "target": "1",
            "due_on": due,
            "method": "supervisor_feedback",
            "competency": "Communication",
        },
    ]


def _sign(version: Any, user: User) -> None:
    services.sign(
        version=version,
        signer=user,
        password=DEMO_PASSWORD,
        typed_name=user.full_name,
        seen_hash=version.content_hash,
        intent_accepted=True,
        meta=services.SigningMeta("127.0.0.1", "seed_demo"),
    )


def _effective_with_amendment(mentorship: Mentorship) -> None:
    mentor, mentee = mentorship.mentor, mentorship.mentee
    agreement = services.start_agreement(mentorship=mentorship, actor=mentor)
    draft = services.Draft(
        sections=SECTIONS, criteria=_criteria(), exceptions=EXCEPTIONS
    )
    version = services.update_draft(
        version=agreement.versions.get(), editor=mentor, draft=draft
    )
    version = services.propose(version=version, actor=mentee)
    _sign(version, mentor)
    _sign(version, mentee)
    amendment = services.propose_amendment(
        agreement=agreement,
        actor=mentee,
        rationale="Eli's new project needs weekly time.",
    )
    weekly = services.Draft(
        sections={**SECTIONS, "cadence": "weekly"},
        criteria=_criteria(),
        exceptions=EXCEPTIONS,
    )
    amendment = services.update_draft(version=amendment, editor=mentee, draft=weekly)
    amendment = services.propose(version=amendment, actor=mentee)
    for party in (mentor, mentee):
        _sign(amendment, party)
        services.waive_notice(version=amendment, party=party)


def seed(sender: Any, users: dict[str, User], cohort: Cohort, **kwargs: Any) -> None:
    """Give the demo pairs their agreements, unless they have them already."""
    first = cohort.mentorships.get(mentor=users["mentor@example.org"])
    second = cohort.mentorships.get(mentor=users["mentor2@example.org"])
    if not Agreement.objects.filter(mentorship=first).exists():
        _effective_with_amendment(first)
    if not Agreement.objects.filter(mentorship=second).exists():
        agreement = services.start_agreement(mentorship=second, actor=second.mentor)
        services.update_draft(
            version=agreement.versions.get(),
            editor=second.mentor,
            draft=services.Draft(
                sections={"purpose": "Build Iris's confidence leading testing work."}
            ),
        )
