"""Every version state × action × actor: what is allowed, and what it leads to."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements import services as agreements
from agreements.models import AgreementVersion
from tests import factories

Status = AgreementVersion.Status
OK, REFUSED, FORBIDDEN = "ok", "refused", "forbidden"


def _version_in(state, mentorship, mentor, mentee):
    """Return a version in the given state (an amendment for proposed/superseded)."""
    if state == "draft":
        agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
        version = agreement.versions.get()
        agreements.update_draft(
            version=version, editor=mentor, draft=factories.complete_draft()
        )
        return version
    first = factories.effective_agreement(mentorship)
    if state == "effective":
        return first
    amendment = agreements.propose_amendment(
        agreement=first.agreement, actor=mentee, rationale="R"
    )
    amendment = agreements.propose(version=amendment, actor=mentee)
    if state == "proposed":
        return amendment
    for party in (mentor, mentee):
        factories.sign_as(amendment, party)
        agreements.waive_notice(version=amendment, party=party)
    first.refresh_from_db()
    return first  # superseded


ACTIONS = {
    "edit": lambda v, u: agreements.update_draft(
        version=v, editor=u, draft=factories.complete_draft(purpose="A new purpose.")
    ),
    "propose": lambda v, u: agreements.propose(version=v, actor=u),
    "sign": lambda v, u: factories.sign_as(v, u),
    "waive": lambda v, u: agreements.waive_notice(version=v, party=u),
}
# state → action → outcome for a party of the pair
EXPECTED = {
    "draft": {"edit": OK, "propose": OK, "sign": REFUSED, "waive": REFUSED},
    "proposed": {"edit": OK, "propose": REFUSED, "sign": OK, "waive": OK},
    "effective": {
        "edit": REFUSED,
        "propose": REFUSED,
        "sign": REFUSED,
        "waive": REFUSED,
    },
    "superseded": {
        "edit": REFUSED,
        "propose": REFUSED,
        "sign": REFUSED,
        "waive": REFUSED,
    },
}


# The status an allowed step leaves behind (one signature and one waiver are not
# enough for the proposed amendment to take effect).
RESULT = {
    ("draft", "edit"): Status.DRAFT,
    ("draft", "propose"): Status.PROPOSED,
    ("proposed", "edit"): Status.DRAFT,
    ("proposed", "sign"): Status.PROPOSED,
    ("proposed", "waive"): Status.PROPOSED,
}


@pytest.mark.parametrize(
    "actor", ["mentor", "mentee", "supervisor", "coordinator", "outsider"]
)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", EXPECTED)
def test_state_action_actor(request, mentorship, mentor, mentee, state, action, actor):
    version = _version_in(state, mentorship, mentor, mentee)
    user = request.getfixturevalue(actor)
    expected = EXPECTED[state][action] if actor in ("mentor", "mentee") else FORBIDDEN
    before = (version.status, version.round)
    try:
        ACTIONS[action](version, user)
        outcome = OK
    except PermissionDenied:
        outcome = FORBIDDEN
    except ValidationError:
        outcome = REFUSED
    assert outcome == expected
    version.refresh_from_db()
    if outcome == OK:
        assert version.status == RESULT[state, action]
    else:
        assert (version.status, version.round) == before  # nothing changed
