"""The dashboard's CSV (every pair, formula-safe) and its PDF report (WeasyPrint)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agreements.pdf import ASSET_ORIGIN, StaticFilesFetcher
from mentorship.notes import create_note
from reviews import dashboard
from tests import factories
from tests.reviews.cohort_builder import SECRET, build_cohort

NOTE_TEXT = "canary-note-in-cohort-report-4be7"
HOSTILE = (
    '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/hostname">'
)


@pytest.fixture
def cohort_with_history(cohort):
    pairs = build_cohort(cohort, 60)
    create_note(
        mentorship=pairs[0], author=pairs[0].mentee, body=NOTE_TEXT, visibility="shared"
    )
    return cohort


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_holds_the_totals_and_every_pair(client, coordinator, cohort_with_history):
    client.force_login(coordinator)

    response = client.get(
        reverse("reviews:cohort_dashboard_csv", args=[cohort_with_history.public_id])
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cohort-')
    rows = _csv(response)
    figures = dict(row for row in rows[: rows.index([])] if len(row) == 2)
    assert figures["Mentorships"] == "60"
    assert figures["Agreements: In effect"] == "41"
    assert figures["Check-ins: held"] == "225"
    assert figures["Drifting mentorships"] == "6"
    assert figures["Reviews due within 14 days"] == "6"
    roster = rows[rows.index([]) + 2 :]
    assert len(roster) == 60  # all of them, past the page's 50
    assert roster[0][:4] == ["Mentor p23", "Mentee p23", "Active", "In effect"]
    assert ["Mentor p9", "Mentee p9", "Active", "No agreement yet"] in [
        r[:4] for r in roster
    ]
    text = response.content.decode()
    assert SECRET not in text and NOTE_TEXT not in text


def test_csv_cells_never_start_a_formula(client, coordinator, cohort):
    pair = factories.mentorship_in(cohort)
    pair.mentor.full_name = '=HYPERLINK("http://evil.example","x")'
    pair.mentor.save(update_fields=["full_name"])
    client.force_login(coordinator)

    rows = _csv(
        client.get(reverse("reviews:cohort_dashboard_csv", args=[cohort.public_id]))
    )

    assert rows[-1][0] == '\'=HYPERLINK("http://evil.example","x")'


def test_pdf_report_prints_the_figures_and_no_content(
    client, coordinator, cohort_with_history, monkeypatch
):
    fetchers: list[StaticFilesFetcher] = []

    class Recording(StaticFilesFetcher):
        def __init__(self) -> None:
            super().__init__()
            fetchers.append(self)

    monkeypatch.setattr(dashboard, "StaticFilesFetcher", Recording)
    pair = cohort_with_history.mentorships.get(mentor__full_name="Mentor p9")
    pair.mentee.full_name = HOSTILE
    pair.mentee.save(update_fields=["full_name"])
    client.force_login(coordinator)

    response = client.get(
        reverse("reviews:cohort_report_pdf", args=[cohort_with_history.public_id])
    )

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="cohort-')
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    )
    # pypdf runs table cells together: compare without whitespace.
    flat = "".join(text.split())
    assert f"Cohortreport:{cohort_with_history.name.replace(' ', '')}" in flat
    assert "Mentorships6058active,2closed" in flat
    assert "Ineffect41activementorships" in flat
    assert "Held225of315duesofar" in flat
    assert "Drifting6activementorships" in flat
    assert "Reviewsoverdue6open" in flat
    assert "Supervisorconsentsactive15" in flat
    assert "Destructionrecords39notesdestroyed" in flat
    # Pairs needing attention are named: drifting, overdue, or without an agreement.
    assert "Mentorp53" in flat and "Mentorp9" in flat
    # The hostile name is printed as text, and nothing but the stylesheet was fetched.
    assert '<imgsrc="file:///etc/passwd">' in flat
    [fetcher] = fetchers
    assert fetcher.fetched == [f"{ASSET_ORIGIN}/static/css/pdf.css"]
    assert fetcher.refused == []
    assert SECRET not in text and NOTE_TEXT not in text
