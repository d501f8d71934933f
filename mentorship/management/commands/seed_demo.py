"""Seed the demo program, cohort, accounts and mentorships. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from mentorship import demo, services, signals
from mentorship.models import Cohort, Membership, Program, Role, User

DEMO_PASSWORD = "mentoring-demo"
COORDINATORS_GROUP = "Program coordinators"

# email, full name, role in the cohort (None: in no program), profile
PEOPLE: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("coordinator@example.org", "Cora Coordinator", None, {}),
    (
        "mentor@example.org",
        "Maya Mentor",
        Role.MENTOR,
        {
            "strengths": ["architecture", "code review", "public speaking"],
            "availability": ["weekday_mornings", "weekday_afternoons"],
            "capacity": 2,
        },
    ),
    (
        "mentee@example.org",
        "Eli Mentee",
        Role.MENTEE,
        {
            "goals": ["architecture", "public speaking"],
            "availability": ["weekday_mornings"],
            "supervisor_email": "supervisor@example.org",
        },
    ),
    (
        "mentor2@example.org",
        "Noah Mentor",
        Role.MENTOR,
        {
            "strengths": ["testing", "leadership"],
            "availability": ["weekday_evenings"],
            "capacity": 1,
        },
    ),
    (
        "mentee2@example.org",
        "Iris Mentee",
        Role.MENTEE,
        {"goals": ["leadership", "testing"], "availability": ["weekday_evenings"]},
    ),
    ("supervisor@example.org", "Sam Supervisor", Role.SUPERVISOR, {}),
    ("outsider@example.org", "Olive Outsider", None, {}),
]
PAIRS = [
    ("mentor@example.org", "mentee@example.org", "supervisor@example.org"),
    ("mentor2@example.org", "mentee2@example.org", None),
]


class Command(BaseCommand):
    help = "Create the demo program, cohort, accounts and mentorships (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo password is public).",
        )

    @transaction.atomic
    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: the demo accounts share a public password. "
                "Use --force to seed anyway."
            )
        users = {email: self._user(email, name) for email, name, _r, _p in PEOPLE}
        coordinator = users["coordinator@example.org"]
        self._grant_program_creation(coordinator)
        program = self._program(coordinator)
        cohort = self._cohort(program)
        for email, _name, role, profile in PEOPLE:
            if role is not None:
                # get_or_create: a run of make run keeps profiles edited in the demo.
                Membership.objects.get_or_create(
                    cohort=cohort, user=users[email], role=role, defaults=profile
                )
        for mentor, mentee, supervisor in PAIRS:
            self._pair(
                cohort, users[mentor], users[mentee], users.get(supervisor or "")
            )
        signals.demo_seeded.send(sender=type(self), users=users, cohort=cohort)
        demo.seed_activity(cohort=cohort)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {program.name} / {cohort.name}, "
                f"{len(users)} accounts with password {DEMO_PASSWORD!r}."
            )
        )

    def _user(self, email: str, name: str) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _grant_program_creation(self, user: User) -> None:
        group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label="mentorship", codename="add_program"
            )
        )
        user.groups.add(group)

    def _program(self, coordinator: User) -> Program:
        program = Program.objects.filter(name="Engineering Mentoring").first()
        if program is None:
            program = services.create_program(
                created_by=coordinator,
                fields={
                    "name": "Engineering Mentoring",
                    "description": "Pairs experienced engineers with people growing "
                    "into senior and lead roles.",
                    "framework_reference": "Engineering Career Framework 2026",
                },
            )
        program.coordinators.add(coordinator)
        return program

    def _cohort(self, program: Program) -> Cohort:
        today = timezone.localdate()
        cohort, _created = Cohort.objects.get_or_create(
            program=program,
            name="Autumn cohort",
            defaults={
                "starts_on": today - timedelta(days=30),
                "ends_on": today + timedelta(days=150),
                "status": Cohort.Status.ACTIVE,
            },
        )
        return cohort

    def _pair(
        self, cohort: Cohort, mentor: User, mentee: User, supervisor: User | None
    ) -> None:
        if cohort.mentorships.active().filter(mentor=mentor, mentee=mentee).exists():
            return
        services.pair_mentorship(
            cohort=cohort,
            mentor=mentor,
            mentee=mentee,
            supervisor=supervisor,
            started_on=cohort.starts_on,
            created_by=None,
        )
