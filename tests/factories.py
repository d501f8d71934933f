"""Factories that build valid, minimal objects. State changes go through services."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from agreements import services as agreement_services
from mentorship import services
from mentorship.models import (
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    ToolkitEntry,
    User,
)

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def coordinator(obj, create, extracted, **kwargs):  # noqa: N805
        """coordinator=True: may create programs (the 'add program' permission)."""
        if create and extracted:
            obj.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label="mentorship", codename="add_program"
                )
            )


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Program {n}")

    @factory.post_generation
    def coordinators(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.coordinators.add(*extracted)


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=170))
    status = Cohort.Status.ACTIVE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = "mentor"


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    cohort = factory.SubFactory(CohortFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Invitee {n}")
    role = "mentee"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class ToolkitEntryFactory(DjangoModelFactory):
    """A submitted entry; ToolkitEntryFactory(published=True) for a published one."""

    class Meta:
        model = ToolkitEntry

    class Params:
        published = factory.Trait(
            status=ToolkitEntry.Status.PUBLISHED,
            decided_at=factory.LazyFunction(timezone.now),
        )

    program = factory.SubFactory(ProgramFactory)
    author = factory.SubFactory(UserFactory)
    kind = ToolkitEntry.Kind.LESSON
    title = factory.Sequence(lambda n: f"Toolkit entry {n}")
    body = "What we learned, in a few lines."


def pair(*, cohort, mentor, mentee, supervisor=None) -> Mentorship:
    """Pair two members through the service, as a coordinator would."""
    return services.pair_mentorship(
        cohort=cohort,
        mentor=mentor,
        mentee=mentee,
        supervisor=supervisor,
        started_on=cohort.starts_on,
        created_by=None,
    )


def mentorship_in(cohort: Cohort) -> Mentorship:
    """Create a mentor and a mentee in the cohort and pair them."""
    mentor = MembershipFactory(cohort=cohort, role="mentor").user
    mentee = MembershipFactory(cohort=cohort, role="mentee").user
    return pair(cohort=cohort, mentor=mentor, mentee=mentee)


# --- Agreements -----------------------------------------------------------------------


def criterion_row(**changes) -> dict:
    """One valid success criterion, as a draft form submits it."""
    row = {
        "description": "Lead a design review for the team",
        "metric": "design reviews led",
        "target": "2 by the due date",
        "due_on": timezone.localdate() + timedelta(days=60),
        "method": "deliverable",
        "competency": "",
    }
    return {**row, **changes}


def complete_draft(**sections):
    """A draft with every section a proposal needs."""
    return agreement_services.Draft(
        sections={"purpose": "Grow into a technical lead role.", **sections},
        criteria=[criterion_row()],
        exceptions=[{"kind": "safety", "description": "Risk of harm to anyone."}],
    )


def sign_as(version, user, **changes):
    """Sign the version as the user, with the right password, name and hash."""
    arguments = {
        "version": version,
        "signer": user,
        "password": PASSWORD,
        "typed_name": user.full_name,
        "seen_hash": version.content_hash,
        "intent_accepted": True,
        "meta": agreement_services.SigningMeta("127.0.0.1", "pytest"),
        **changes,
    }
    return agreement_services.sign(**arguments)


def effective_agreement(mentorship):
    """Start, draft, propose and sign the mentorship's agreement; return version 1."""
    agreement = agreement_services.start_agreement(
        mentorship=mentorship, actor=mentorship.mentor
    )
    version = agreement.versions.get()
    agreement_services.update_draft(
        version=version, editor=mentorship.mentor, draft=complete_draft()
    )
    version = agreement_services.propose(version=version, actor=mentorship.mentee)
    sign_as(version, mentorship.mentor)
    sign_as(version, mentorship.mentee)
    version.refresh_from_db()
    return version
