"""Lists, searches, exports and emails name only what the reader may open.

For every person in the world, every page reachable from their home page is walked
(links, downloads, the calendar feed): each link must open for them, and every public
id on every page (and in every CSV, JSON and iCalendar file) must name an object whose
own page opens for them. Then a full run of the reminder tasks: each email's links and
ids, for its recipient. A toolkit entry has no page of its own: wherever its title
appears, the reader may see it (published in their program, theirs, or they decide).
Likewise the text of each note and check-in record, unique to its pair: wherever it
appears, the reader may read it; no email carries it.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements import tasks as agreement_tasks
from mentorship import notes, tasks
from mentorship.models import (
    CheckIn,
    Cohort,
    Membership,
    Mentorship,
    Note,
    Program,
    ToolkitEntry,
    User,
)
from reviews import tasks as review_tasks
from reviews.models import ProgressReview
from tests import factories
from tests.reviews.helpers import grant
from tests.security.world import world_fixture

world = world_fixture()
UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)
LINK = re.compile(r'(?:href|src)="(/[^"]*)"')
ABSOLUTE = re.compile(re.escape(settings.SITE_URL) + r'(/[^\s"<>\']*)')
NOT_PAGES = ("/static/", "/admin/", "/accounts/logout/")
MAX_PAGES = 400


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")


def _by_public_id() -> dict[str, Any]:
    index = {}
    for model in apps.get_models():
        if any(f.name == "public_id" for f in model._meta.concrete_fields):
            for obj in model._base_manager.all():
                index[str(obj.public_id)] = obj
    return index


def _pages_of(obj: Any) -> list[str]:
    """The pages that show the object itself; opening one of them is enough."""
    id_ = obj.public_id

    def url(name: str, *args: Any) -> str:
        return reverse(name, args=args or [id_])

    if isinstance(obj, Program):
        return [url("mentorship:program_detail"), url("mentorship:toolkit_list")]
    if isinstance(obj, Cohort):
        roles = ("mentor", "mentee", "supervisor")
        return [url("mentorship:cohort_detail")] + [
            url("mentorship:profile", id_, role) for role in roles
        ]
    if isinstance(obj, Mentorship):
        return [
            url("mentorship:mentorship_detail"),
            url("reviews:summary"),
            url("reviews:record"),
        ]
    by_model = {
        "checkin": ["mentorship:checkin_detail"],
        "note": ["mentorship:note_detail"],
        "revisitprompt": ["agreements:revisit"],
        "agreementtemplate": ["agreements:template_edit"],
        "progressreview": ["reviews:detail"],
    }
    name = obj._meta.model_name
    if name in by_model:
        return [url(route) for route in by_model[name]]
    parent = {
        "invitation": "cohort",
        "membership": "cohort",
        "destructionrecord": "mentorship",
        "agreement": "mentorship",
        "disclosure": "agreement",
        "agreementversion": "agreement",
        "supervisorconsent": "mentorship",
        "toolkitentry": "program",
    }[name]
    return _pages_of(getattr(obj, parent))


def _knows(viewer: User, person: User) -> bool:
    """Whom a page may name by id: oneself, one's partners, one's cohorts' people
    when one coordinates them."""
    pair = Q(mentor=viewer) | Q(mentee=viewer)
    mentorships = Mentorship.objects.filter(pair, Q(mentor=person) | Q(mentee=person))
    coordinated = Membership.objects.filter(
        user=person, cohort__program__coordinators=viewer
    )
    return person == viewer or mentorships.exists() or coordinated.exists()


def _may_see_entry(viewer: User, entry: ToolkitEntry) -> bool:
    program = entry.program
    if not Program.objects.visible_to(viewer).filter(pk=program.pk).exists():
        return False
    coordinates = program.coordinators.filter(pk=viewer.pk).exists()
    return entry.is_published or entry.author_id == viewer.pk or coordinates


def _secrets(user: User) -> dict[str, bool]:
    """What notes and check-in records say, each unique to its pair, and whether the
    user may read it (an email may carry none of it, to anyone)."""
    readable = set(notes.notes_visible_to(user).values_list("pk", flat=True))
    found = {note.body: note.pk in readable for note in Note.objects.all()}
    for checkin in CheckIn.objects.exclude(alignment="").select_related("mentorship"):
        found[checkin.alignment] = checkin.mentorship.is_pair_member(user)
    return found


class Reader:
    """One person reading: what opens for them, and what every page names."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.client = Client()
        self.client.force_login(user)
        self.opens: dict[str, int] = {}
        self.index = _by_public_id()
        self.entries = list(ToolkitEntry.objects.select_related("program"))
        self.secrets = _secrets(user)
        self.problems: list[str] = []

    def status(self, url: str) -> int:
        if url not in self.opens:
            self.opens[url] = self.client.get(url).status_code
        return self.opens[url]

    def check_text(self, where: str, text: str) -> None:
        for public_id in set(UUID.findall(text)):
            obj = self.index.get(public_id)
            if obj is None:
                self.problems.append(f"{where}: names an unknown id {public_id}")
            elif isinstance(obj, User):
                if not _knows(self.user, obj):
                    self.problems.append(f"{where}: names {obj} by id")
            elif not any(self.status(page) == 200 for page in _pages_of(obj)):
                self.problems.append(f"{where}: names {obj!r}, whose page is shut")
        for entry in self.entries:
            if entry.title in text and not _may_see_entry(self.user, entry):
                self.problems.append(f"{where}: shows toolkit entry {entry.title!r}")
        for secret, readable in self.secrets.items():
            if secret in text and (where.startswith("email") or not readable):
                self.problems.append(f"{where}: shows {secret!r}")

    def links(self, text: str) -> set[str]:
        found = set(LINK.findall(text)) | set(ABSOLUTE.findall(text))
        found = {urldefrag(link.replace("&amp;", "&"))[0] for link in found}
        return {link for link in found if not link.startswith(NOT_PAGES)}

    def walk(self, start: list[str]) -> int:
        """Open every page reachable from `start`; return how many were read."""
        queue, seen = deque(start), set(start)
        while queue and len(seen) < MAX_PAGES:
            url = queue.popleft()
            response = self.client.get(url)
            self.opens[url] = response.status_code
            if response.status_code != 200:
                self.problems.append(
                    f"{url}: linked, but answers {response.status_code}"
                )
                continue
            if response.get("Content-Type", "").startswith("application/pdf"):
                continue
            text = response.content.decode()
            self.check_text(url, text)
            for link in self.links(text) - seen:
                seen.add(link)
                queue.append(link)
        assert len(seen) < MAX_PAGES, "the walk did not end: raise MAX_PAGES?"
        return len(seen)


def _searches(user: User) -> list[str]:
    """Toolkit searches in the user's programs, for words of every entry's title."""
    return [
        reverse("mentorship:toolkit_list", args=[program.public_id]) + f"?q={word}"
        for program in Program.objects.visible_to(user)
        for word in ("Waiting", "Published", "Declined", "own", "other")
    ]


def test_every_page_each_person_reaches_names_only_what_they_may_open(world, db):
    read: dict[str, int] = {}
    problems: list[str] = []
    for key, user in world.users.items():
        reader = Reader(user)
        start = [reverse("home"), reverse("mentorship:preferences")]
        read[key] = reader.walk(start + _searches(user))
        problems += [f"{key}: {p}" for p in reader.problems]
    assert not problems, "\n".join(problems)
    # The walk went deep: the coordinator reads cohort, pair and agreement pages.
    assert read["coordinator"] > 25 and read["mentor"] > 25, read
    assert read["supervisor"] > 5 and read["staff"] >= 2, read


def _everything_due(w) -> None:
    """A check-in soon for every pair, two missed, a review and a consent ending soon,
    a note expiring, and an amendment whose notice ends tomorrow."""
    now = timezone.now()
    for key, pair in w.pairs.items():
        m = pair.mentorship
        if key == "ended":
            continue
        CheckIn.objects.create(mentorship=m, scheduled_at=now + timedelta(minutes=30))
        for days in (10, 3):
            CheckIn.objects.create(
                mentorship=m,
                scheduled_at=now - timedelta(days=days),
                status=CheckIn.Status.MISSED,
                recorded_at=now,
            )
        ProgressReview.objects.create(
            mentorship=m, due_on=timezone.localdate() + timedelta(days=2)
        )
        Note.objects.filter(pk=pair.notes["mentee_shared"].pk).update(
            expires_at=now + timedelta(days=2)
        )
        for party in (m.mentor, m.mentee):
            factories.sign_as(pair.amendment, party)
    grant(w.pairs["other_cohort"].mentorship, days=3)


def test_every_reminder_names_only_what_its_recipient_may_open(world, db, settings):
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    _everything_due(world)
    mail.outbox.clear()
    tasks.send_reminders()
    tasks.send_note_expiry_warnings()
    agreement_tasks.send_notice_ending_reminders()
    review_tasks.send_review_reminders()
    readers: dict[str, Reader] = {}
    problems, links = [], 0
    for message in mail.outbox:
        [address] = message.to
        if address not in readers:
            readers[address] = Reader(User.objects.get(email=address))
        reader = readers[address]
        parts = [message.body] + [
            str(c) for c, _ in getattr(message, "alternatives", [])
        ]
        for text in parts:
            reader.check_text(f"email {message.subject!r}", text)
            for link in reader.links(text):
                links += 1
                if reader.status(link) != 200:
                    problems.append(f"{address}: {message.subject!r} links {link}")
        problems += [f"{address}: {p}" for p in reader.problems]
        reader.problems.clear()
    assert not problems, "\n".join(problems)
    kinds = {m.subject.split(":")[0] for m in mail.outbox}
    assert len(mail.outbox) >= 20 and links >= 20 and len(kinds) >= 5, kinds
