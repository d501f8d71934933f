"""Members keep a matching profile per role in a cohort."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorship import services


def test_member_edits_their_profile(client, cohort, mentor):
    client.force_login(mentor)
    url = reverse("mentorship:profile", args=[cohort.public_id, "mentor"])
    response = client.post(
        url,
        {
            "goals": "",
            "strengths": " Testing, testing,  Public   Speaking ",
            "availability": ["weekends", "weekday_mornings"],
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    membership = mentor.memberships.get()
    assert membership.strengths == ["public speaking", "testing"]
    assert membership.availability == ["weekends", "weekday_mornings"]
    assert membership.capacity == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"capacity": "21"}, "capacity", "at most 20"),
        ({"capacity": "-1"}, "capacity", "greater than or equal to 0"),
        (
            {"strengths": ",".join(f"t{i}" for i in range(13))},
            "strengths",
            "at most 12",
        ),
        ({"strengths": "x" * 41}, "strengths", "too long"),
        ({"availability": ["midnight"]}, "availability", "valid choice"),
    ],
)
def test_profile_rejects_bad_input(client, cohort, mentor, data, field, message):
    client.force_login(mentor)
    url = reverse("mentorship:profile", args=[cohort.public_id, "mentor"])
    response = client.post(url, {"goals": "kept goal", "capacity": "2", **data})
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="kept goal"' in response.text
    assert mentor.memberships.get().goals == []


def test_capacity_cannot_drop_below_current_mentees(client, cohort, mentor, mentorship):
    client.force_login(mentor)
    url = reverse("mentorship:profile", args=[cohort.public_id, "mentor"])
    response = client.post(url, {"capacity": "0"})
    assert "already mentor 1" in response.context["form"].errors["capacity"][0]


def test_mentee_profile_has_no_capacity(client, cohort, mentee):
    client.force_login(mentee)
    page = client.get(reverse("mentorship:profile", args=[cohort.public_id, "mentee"]))
    assert "capacity" not in page.context["form"].fields


def test_capacity_is_checked_by_the_service_too(cohort, mentor, mentorship):
    membership = mentor.memberships.get()
    with pytest.raises(ValidationError, match="already mentor 1 person"):
        services.update_profile(membership=membership, fields={"capacity": 0})
    assert mentor.memberships.get().capacity == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [("a\x00b", "Null characters are not allowed"), ("x" * 1001, "at most 1000")],
)
def test_profile_text_is_checked_as_typed(client, cohort, mentor, text, message):
    client.force_login(mentor)
    url = reverse("mentorship:profile", args=[cohort.public_id, "mentor"])
    response = client.post(url, {"goals": text, "capacity": "2"})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["goals"])
    assert mentor.memberships.get().goals == []
