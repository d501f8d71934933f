"""CSV import of invitations: validated as a whole, nothing imported unless every row is valid."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentorship.models import Invitation
from tests import factories

HEADER = "email,name,role,supervisor_email\n"
GOOD_ROWS = (
    "ada@example.org,Ada Lovelace,mentee,grace@example.org\n"
    "alan@example.org,Alan Turing,Mentor,\n"
    "grace@example.org,Grace Hopper,supervisor,\n"
)


def _upload(
    client, cohort, text, django_capture_on_commit_callbacks, *, encoding="utf-8"
):
    upload = SimpleUploadedFile("people.csv", text.encode(encoding), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("mentorship:invitation_import", args=[cohort.public_id]),
            {"file": upload},
        )


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def test_valid_file_invites_everyone(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    response = _upload(
        signed_in,
        cohort,
        "\ufeff" + HEADER + GOOD_ROWS,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    invitations = {i.email: i for i in Invitation.objects.all()}
    assert set(invitations) == {
        "ada@example.org",
        "alan@example.org",
        "grace@example.org",
    }
    assert invitations["alan@example.org"].role == "mentor"
    assert invitations["ada@example.org"].supervisor_email == "grace@example.org"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(invitations)


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("bob@@example.org,Bob,mentee,\n", "email", "valid email"),
        ("bob@example.org,,mentee,\n", "name", "required"),
        ("bob@example.org,Bob,manager,\n", "role", "valid choice"),
        (
            "bob@example.org,Bob,mentor,boss@example.org\n",
            "supervisor_email",
            "Only a mentee",
        ),
        ("bob@example.org,Bob,mentee\n", "row", "Expected 4 columns"),
        (
            "ada@example.org,Ada Again,mentee,\n",
            "email",
            "Same email and role as line 2",
        ),
    ],
)
def test_one_bad_row_imports_nothing(
    signed_in, cohort, django_capture_on_commit_callbacks, bad_row, column, message
):
    response = _upload(
        signed_in,
        cohort,
        HEADER + GOOD_ROWS + bad_row,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    [error] = response.context["row_errors"]
    assert (error.line, error.field) == (5, column)
    assert message in error.message
    assert "1 problem found; nothing was imported. Fix it" in response.text
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_row_already_in_the_cohort_rolls_back_the_whole_file(
    signed_in, cohort, mentor, django_capture_on_commit_callbacks
):
    text = HEADER + GOOD_ROWS + f"{mentor.email},Maya,mentor,\n"
    response = _upload(signed_in, cohort, text, django_capture_on_commit_callbacks)
    [error] = response.context["row_errors"]
    assert error.line == 5 and "already a mentor" in error.message
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_pending_invitation_counts_as_a_duplicate(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    factories.InvitationFactory(cohort=cohort, email="alan@example.org", role="mentor")
    response = _upload(
        signed_in, cohort, HEADER + GOOD_ROWS, django_capture_on_commit_callbacks
    )
    [error] = response.context["row_errors"]
    assert error.line == 3
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mail,name,role\nx@example.org,X,mentee\n", "first line must be exactly"),
        (HEADER, "no rows"),
        ("", "file is empty"),
    ],
)
def test_malformed_files_are_explained(
    signed_in, cohort, django_capture_on_commit_callbacks, text, message
):
    response = _upload(signed_in, cohort, text, django_capture_on_commit_callbacks)
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Invitation.objects.exists()


def test_non_utf8_file_is_explained(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    text = HEADER + "zoe@example.org,Zoë,mentee,\n"
    response = _upload(
        signed_in, cohort, text, django_capture_on_commit_callbacks, encoding="latin-1"
    )
    assert "not UTF-8" in response.context["form"].errors["file"][0]


def test_too_many_rows_are_refused(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    rows = "".join(f"p{i}@example.org,P {i},mentee,\n" for i in range(501))
    response = _upload(
        signed_in, cohort, HEADER + rows, django_capture_on_commit_callbacks
    )
    assert any("Too many rows" in e.message for e in response.context["row_errors"])
    assert not Invitation.objects.exists()


def test_html_in_a_row_is_shown_escaped(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    # The role's error message repeats the value typed, so the page echoes it.
    text = HEADER + "x@example.org,X,<script>alert(1)</script>,\n"
    response = _upload(signed_in, cohort, text, django_capture_on_commit_callbacks)
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_template_csv_is_a_valid_import(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    response = signed_in.get(
        reverse("mentorship:invitation_template", args=[cohort.public_id])
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    imported = _upload(
        signed_in, cohort, response.content.decode(), django_capture_on_commit_callbacks
    )
    assert imported.status_code == 302
    assert Invitation.objects.count() == 3


def test_a_field_too_large_for_csv_is_explained(
    signed_in, cohort, django_capture_on_commit_callbacks
):
    text = HEADER + 'a@example.org,"' + "x" * 200_000 + '",mentee,\n'
    response = _upload(signed_in, cohort, text, django_capture_on_commit_callbacks)
    assert "cannot be read as CSV" in response.context["form"].errors["file"][0]
    assert not Invitation.objects.exists()
