"""PostgreSQL enforces the model constraints, and the services hold under concurrency."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorship import services
from mentorship.models import (
    Cadence,
    Cohort,
    Invitation,
    Membership,
    Mentorship,
    Program,
    User,
)
from tests import factories
from tests.integration.races import race

pytestmark = pytest.mark.postgres

THREADS = 10


# --- Constraints ----------------------------------------------------------------------


def _pair(cast, **fields):
    values = {
        "cohort": cast.cohort,
        "mentor": cast.mentor,
        "mentee": cast.mentee,
        "started_on": cast.cohort.starts_on,
    }
    return Mentorship.objects.create(**{**values, **fields})


def _program(**fields):
    return Program.objects.create(name="Constraint test program", **fields)


# Each write breaks the named constraint; `cast` holds a cohort with a mentor, a
# mentee and a supervisor, an active mentorship of the pair and an open invitation.
VIOLATIONS = {
    "mentor_is_not_mentee": lambda cast: _pair(cast, mentee=cast.mentor),
    "supervisor_is_not_in_pair (mentor)": lambda cast: _pair(
        cast, supervisor=cast.mentor
    ),
    "supervisor_is_not_in_pair (mentee)": lambda cast: _pair(
        cast, supervisor=cast.mentee
    ),
    "one_active_mentorship_per_pair": lambda cast: _pair(cast),
    "one_active_mentorship_per_mentee": lambda cast: _pair(
        cast,
        mentor=factories.MembershipFactory(cohort=cast.cohort, role="mentor").user,
    ),
    "mentorship_ends_after_start": lambda cast: Mentorship.objects.filter(
        pk=cast.mentorship.pk
    ).update(
        status=Mentorship.Status.ENDED,
        ended_on=cast.cohort.starts_on - timedelta(days=1),
    ),
    "cohort_ends_after_start": lambda cast: Cohort.objects.filter(
        pk=cast.cohort.pk
    ).update(ends_on=cast.cohort.starts_on),
    "cohort_name_unique_in_program": lambda cast: factories.CohortFactory(
        program=cast.cohort.program, name=cast.cohort.name
    ),
    "program_custom_cadence_has_days (custom without days)": lambda cast: _program(
        default_cadence=Cadence.CUSTOM, default_cadence_days=None
    ),
    "program_custom_cadence_has_days (custom with 0 days)": lambda cast: _program(
        default_cadence=Cadence.CUSTOM, default_cadence_days=0
    ),
    "program_custom_cadence_has_days (weekly with days)": lambda cast: _program(
        default_cadence=Cadence.WEEKLY, default_cadence_days=7
    ),
    "program_cadence_days_at_most_a_year": lambda cast: _program(
        default_cadence=Cadence.CUSTOM, default_cadence_days=366
    ),
    "program_retention_within_bounds (minimum 0)": lambda cast: _program(
        retention_min_days=0
    ),
    "program_retention_within_bounds (minimum above default)": lambda cast: _program(
        retention_min_days=400, default_retention_days=365
    ),
    "program_retention_within_bounds (default above maximum)": lambda cast: _program(
        default_retention_days=800, retention_max_days=730
    ),
    "program_retention_within_bounds (maximum above ten years)": lambda cast: _program(
        retention_max_days=3651
    ),
    "membership_unique_role": lambda cast: factories.MembershipFactory(
        cohort=cast.cohort, user=cast.mentor, role="mentor"
    ),
    "membership_capacity_at_most_20": lambda cast: Membership.objects.filter(
        cohort=cast.cohort, user=cast.mentor
    ).update(capacity=21),
    "invitation_one_open_per_role": lambda cast: factories.InvitationFactory(
        cohort=cast.cohort, email=cast.invitation.email, role=cast.invitation.role
    ),
    "invitation_supervisor_only_for_mentee": lambda cast: factories.InvitationFactory(
        cohort=cast.cohort, role="mentor", supervisor_email="boss@example.org"
    ),
}


@pytest.fixture
def cast(cohort, mentor, mentee, supervisor, mentorship):
    return SimpleNamespace(
        cohort=cohort,
        mentor=mentor,
        mentee=mentee,
        supervisor=supervisor,
        mentorship=mentorship,
        invitation=factories.InvitationFactory(cohort=cohort, role="mentee"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=case) for case in VIOLATIONS],
)
def test_postgres_rejects_a_write_that_breaks_a_constraint(cast, case):
    constraint = case.split(" ")[0]
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        VIOLATIONS[case](cast)
    assert f'"{constraint}"' in str(caught.value)
    # The savepoint was rolled back: the connection is still usable.
    assert Mentorship.objects.count() == 1


@pytest.mark.django_db
def test_an_ended_mentorship_does_not_block_a_new_one_for_the_pair(cast):
    Mentorship.objects.filter(pk=cast.mentorship.pk).update(
        status=Mentorship.Status.ENDED, ended_on=cast.cohort.starts_on
    )
    _pair(cast)  # a second active one
    _pair(cast, status=Mentorship.Status.ENDED, ended_on=cast.cohort.starts_on)

    assert Mentorship.objects.filter(mentor=cast.mentor).count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        _pair(cast)  # but only one active at a time


@pytest.mark.django_db
def test_a_revoked_or_accepted_invitation_does_not_block_a_new_one(cast):
    old = cast.invitation
    Invitation.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    renewed = factories.InvitationFactory(
        cohort=cast.cohort, email=old.email, role=old.role
    )
    Invitation.objects.filter(pk=renewed.pk).update(accepted_at=timezone.now())
    factories.InvitationFactory(cohort=cast.cohort, email=old.email, role=old.role)

    assert Invitation.objects.filter(email=old.email).count() == 3


@pytest.mark.django_db
def test_the_same_email_may_have_open_invitations_for_different_roles(cast):
    factories.InvitationFactory(
        cohort=cast.cohort, email=cast.invitation.email, role="mentor"
    )

    assert Invitation.objects.open().filter(email=cast.invitation.email).count() == 2


# --- Concurrency ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_pairings_never_exceed_the_mentors_capacity(cohort):
    mentor = factories.MembershipFactory(cohort=cohort, role="mentor", capacity=1).user
    mentees = [
        factories.MembershipFactory(cohort=cohort, role="mentee").user for _ in range(2)
    ]

    def pairing(mentee):
        return lambda: services.pair_mentorship(
            cohort=cohort,
            mentor=mentor,
            mentee=mentee,
            supervisor=None,
            started_on=cohort.starts_on,
            created_by=None,
        )

    outcomes = race([pairing(mentees[i % 2]) for i in range(THREADS)])

    [created] = [o for o in outcomes if isinstance(o, Mentorship)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == THREADS - 1, outcomes
    assert list(Mentorship.objects.values_list("pk", flat=True)) == [created.pk]
    # Those asking for the other mentee find no capacity left; those asking for the
    # same pair find it already exists (checked first).
    for index, outcome in enumerate(outcomes):
        if outcome is created:
            continue
        same_pair = mentees[index % 2] == created.mentee
        assert list(outcome.message_dict) == ["mentee" if same_pair else "mentor"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_of_one_invitation_create_one_account(cohort):
    invitation = factories.InvitationFactory(cohort=cohort, role="mentee")

    def accepting(number):
        return lambda: services.accept_invitation(
            invitation=invitation,
            full_name=f"Newcomer {number}",
            password=factories.PASSWORD,
        )

    outcomes = race([accepting(number) for number in range(THREADS)])

    [membership] = [o for o in outcomes if isinstance(o, Membership)]
    refused = [o for o in outcomes if isinstance(o, services.InvitationUnusable)]
    assert len(refused) == THREADS - 1, outcomes
    assert {exc.status for exc in refused} == {Invitation.Status.ACCEPTED}
    [user] = User.objects.filter(email=invitation.email)
    assert list(Membership.objects.filter(user=user)) == [membership]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_invitations_store_one_and_refuse_the_rest(cohort):
    request = services.InvitationRequest(
        email="twice@example.org", full_name="Twice", role="mentee"
    )

    def inviting():
        return services.invite_person(cohort=cohort, request=request, invited_by=None)

    outcomes = race([inviting for _ in range(THREADS)])

    [created] = [o for o in outcomes if isinstance(o, Invitation)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == THREADS - 1, outcomes  # no IntegrityError escapes
    assert all("pending invitation" in str(exc) for exc in refused)
    assert list(Invitation.objects.values_list("pk", flat=True)) == [created.pk]


@pytest.mark.django_db(transaction=True)
def test_lowering_capacity_while_pairing_never_leaves_a_mentor_over_capacity(cohort):
    mentor = factories.MembershipFactory(cohort=cohort, role="mentor", capacity=2)
    first, second = (
        factories.MembershipFactory(cohort=cohort, role="mentee").user for _ in range(2)
    )
    factories.pair(cohort=cohort, mentor=mentor.user, mentee=first)

    outcomes = race(
        [
            lambda: services.pair_mentorship(
                cohort=cohort,
                mentor=mentor.user,
                mentee=second,
                supervisor=None,
                started_on=cohort.starts_on,
                created_by=None,
            ),
            lambda: services.update_profile(membership=mentor, fields={"capacity": 1}),
        ]
    )

    mentor.refresh_from_db()
    active = Mentorship.objects.filter(mentor=mentor.user, status="active").count()
    assert active <= mentor.capacity, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1, outcomes
