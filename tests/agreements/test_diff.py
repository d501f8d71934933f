"""The diff of two versions: section by section, in words people read."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.loader import render_to_string

from agreements import diff
from agreements import services as agreements
from agreements.diff import FieldChange, Kind, Segment, diff_versions, word_diff
from agreements.models import AgreementContent, AgreementVersion
from tests import factories

PURPOSE = "Grow into a technical lead role."
SAFETY = {"kind": "safety", "description": "Risk of harm to anyone."}
LEGAL = {"kind": "legal", "description": "A court order."}
NEW_CRITERION = factories.criterion_row(
    description="Run the team retrospective",
    metric="retrospectives run",
    target="3",
    due_on=date(2030, 3, 5),
    method="quarterly_review",
)


def _fetch(version):
    return AgreementVersion.objects.prefetch_related("criteria", "exceptions").get(
        pk=version.pk
    )


def _effective(mentorship):
    """Version 1 in effect, meeting every two weeks, with two exceptions."""
    mentor, mentee = mentorship.mentor, mentorship.mentee
    agreement = agreements.start_agreement(mentorship=mentorship, actor=mentor)
    version = agreement.versions.get()
    draft = factories.complete_draft(purpose=PURPOSE, cadence="biweekly")
    draft.exceptions = [SAFETY, LEGAL]
    agreements.update_draft(version=version, editor=mentor, draft=draft)
    version = agreements.propose(version=version, actor=mentee)
    factories.sign_as(version, mentor)
    factories.sign_as(version, mentee)
    return version


def _amend(in_force, actor, **sections):
    amendment = agreements.propose_amendment(
        agreement=in_force.agreement, actor=actor, rationale="Meet weekly instead."
    )
    draft = factories.complete_draft(**sections)
    draft.criteria = [factories.criterion_row(), NEW_CRITERION]
    draft.exceptions = [{**SAFETY, "description": "Risk of serious harm to anyone."}]
    agreements.update_draft(version=amendment, editor=actor, draft=draft)
    return amendment


@pytest.fixture
def versions(mentorship):
    in_force = _effective(mentorship)
    amendment = _amend(
        in_force,
        mentorship.mentee,
        cadence="weekly",
        purpose="Grow into an engineering lead role.",
    )
    return _fetch(in_force), _fetch(amendment)


def _by_key(sections):
    return {section.key: section for section in sections}


def test_the_diff_reports_exactly_what_changed_section_by_section(versions):
    sections = _by_key(diff_versions(*versions))
    changed = {key for key, section in sections.items() if section.changed}
    assert changed == {"purpose", "scope", "confidentiality", "criteria", "rationale"}
    assert sections["scope"].fields == [
        FieldChange("Meeting cadence", "Every two weeks", "Weekly", Kind.CHANGED)
    ]
    (purpose,) = sections["purpose"].fields
    assert (purpose.label, purpose.before, purpose.after, purpose.kind) == (
        "Shared purpose",
        PURPOSE,
        "Grow into an engineering lead role.",
        Kind.CHANGED,
    )
    assert sections["rationale"].fields == [
        FieldChange("Why this change", "—", "Meet weekly instead.", Kind.ADDED)
    ]
    assert sections["purpose"].rows == sections["scope"].rows == []


def test_changed_added_and_removed_rows_are_matched_by_position(versions):
    sections = _by_key(diff_versions(*versions))
    changed, removed = sections["confidentiality"].rows
    assert (changed.label, changed.kind, changed.position) == (
        "Exception 1",
        Kind.CHANGED,
        1,
    )
    assert [(c.label, c.before, c.after) for c in changed.changes] == [
        ("Description", SAFETY["description"], "Risk of serious harm to anyone.")
    ]
    assert (removed.label, removed.kind, removed.summary) == (
        "Exception 2",
        Kind.REMOVED,
        "A court order.",
    )
    assert [(c.label, c.before, c.after) for c in removed.changes] == [
        ("Kind", "Legal obligation", "—"),
        ("Description", "A court order.", "—"),
    ]
    (added,) = sections["criteria"].rows
    assert (added.label, added.kind) == ("Criterion 2", Kind.ADDED)
    assert [(c.label, c.before, c.after) for c in added.changes] == [
        ("Criterion", "—", "Run the team retrospective"),
        ("Measure", "—", "retrospectives run"),
        ("Target", "—", "3"),
        ("Due", "—", "5 Mar 2030"),
        ("Assessed by", "—", "Quarterly review"),
    ]


def test_every_section_is_listed_in_reading_order(versions):
    titles = [section.title for section in diff_versions(*versions)]
    assert titles == [
        "Purpose",
        "Scope",
        "Roles and responsibilities",
        "Boundaries",
        "Confidentiality",
        "Success criteria",
        "Reviews",
        "Renegotiation",
        "Aspirations",
        "Rationale",
    ]


def test_a_version_diffed_with_itself_has_no_changes(versions):
    in_force, _ = versions
    sections = diff_versions(in_force, in_force)
    assert len(sections) == 10
    assert not any(section.changed for section in sections)
    assert all(s.fields == s.rows == [] for s in sections)


def test_lists_empty_values_and_numbers_read_as_people_write_them(mentorship):
    in_force = _effective(mentorship)
    amendment = _amend(
        in_force,
        mentorship.mentor,
        cadence="custom",
        cadence_days=10,
        formats=["video", "in_person"],
        retention_days=180,
        supervisor_sharing="nothing",
    )
    sections = _by_key(diff_versions(_fetch(in_force), _fetch(amendment)))
    assert [(c.label, c.before, c.after, c.kind) for c in sections["scope"].fields] == [
        ("Meeting cadence", "Every two weeks", "Every N days", Kind.CHANGED),
        ("Days between meetings", "—", "10", Kind.ADDED),
        ("Meeting formats", "—", "Video call, In person", Kind.ADDED),
    ]
    assert [(c.before, c.after) for c in sections["confidentiality"].fields] == [
        (
            "A progress summary, only with the mentee's consent",
            "Nothing is shared with the supervisor",
        ),
        ("365", "180"),
    ]
    assert all(not c.words for c in sections["scope"].fields)


def test_the_word_diff_marks_inserted_and_deleted_words():
    before, after = PURPOSE, "Grow into an engineering lead role, soon."
    segments = word_diff(before, after)
    assert segments == [
        Segment("equal", "Grow into "),
        Segment("delete", "a technical "),
        Segment("insert", "an engineering "),
        Segment("equal", "lead "),
        Segment("delete", "role."),
        Segment("insert", "role, soon."),
    ]
    assert "".join(s.text for s in segments if s.op != "insert") == before
    assert "".join(s.text for s in segments if s.op != "delete") == after


def test_long_text_changes_carry_their_word_diff(versions):
    (purpose,) = _by_key(diff_versions(*versions))["purpose"].fields
    assert ("delete", "a technical ") in purpose.words
    assert ("insert", "an engineering ") in purpose.words


def test_diffing_prefetched_versions_runs_no_queries(
    versions, django_assert_num_queries
):
    with django_assert_num_queries(0):
        diff_versions(*versions)


def test_the_page_marks_changes_and_escapes_user_text(mentorship):
    in_force = _effective(mentorship)
    hostile = "Grow <script>alert(1)</script> into a lead role."
    amendment = _amend(in_force, mentorship.mentee, purpose=hostile)
    sections = diff_versions(_fetch(in_force), _fetch(amendment))
    html = render_to_string("agreements/partials/diff.html", {"sections": sections})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    hidden = '<span class="visually-hidden">'
    assert f'<del class="bg-danger-subtle">{hidden}removed: </span>' in html
    assert f'<ins class="bg-success-subtle">{hidden}added: </span>' in html
    # Only purpose, confidentiality, criteria and rationale changed.
    assert html.count("No changes") == 6
    assert '<th scope="col">Before</th>' in html
    assert "Criterion 2" in html and "Exception 2" in html


def test_the_page_says_no_changes_for_identical_versions(versions):
    in_force, _ = versions
    html = render_to_string(
        "agreements/partials/diff.html",
        {"sections": diff_versions(in_force, in_force)},
    )
    assert html.count("No changes") == 10
    assert "<table" not in html


def test_the_sections_cover_every_content_field_once():
    listed = [name for section in diff.SECTIONS for name in section.fields]
    assert sorted(listed) == sorted([*AgreementContent.CONTENT_FIELDS, "rationale"])
