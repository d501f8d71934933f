"""XSS: a corpus of payloads written into every field a person can write, through the
services, then read back in every page (as every role), every email (the reminder and
notification tasks run) and every PDF (agreement, record, cohort report).

Each field gets its own tag before the payload ("Q07" + payload), so a rendering can
be checked per field. A check is one (payload, field, rendering): the raw payload must
not be in the HTML (nor its NFKC form, for fullwidth tricks). Each rendering is also
parsed: no inline script, no event-handler attribute, no javascript: URL, no element
the corpus would inject. Every field must show, escaped, somewhere; PDF text must
carry the payload literally, as the person wrote it, and never an HTML escape.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html import escape as html_escape
from html.parser import HTMLParser

import pypdf
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils.html import escape

from agreements import tasks as agreement_tasks
from mentorship import tasks, toolkit
from reviews import services as review_services
from reviews import tasks as review_tasks
from tests.security import gates

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "attr": "' onmouseover='alert(1)' x='",
    "jsurl": "javascript:alert(1)",
    "json": "</script><script>alert(1)</script>",
    "rlo": "\u202e<svg onload=alert(1)>",
    "linesep": "a\u2028<iframe srcdoc=x></iframe>\u2029b",
    "fullwidth": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
}
# Text that is harmless as text: only the parse below can tell it was injected.
TEXT_ONLY = {"jsurl"}
# Drawn right to left from the override on.
BIDI = {"rlo"}
INJECTED_TAGS = {"iframe", "object", "embed", "frame"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc"}
EMAIL_TEMPLATES = {
    f"emails/{path.name}"
    for path in (django_settings.BASE_DIR / "templates" / "emails").iterdir()
} | {"registration/password_reset_email.html"}
# Rendering "who" -> actors who load every page.
ACTORS = [None, "coordinator", "mentor", "mentee", "supervisor", "mentor2", "mentee2"]
# Objects the routes' samples do not name, whose pages show fields of their own.
EXTRA_PAGES = [
    ("mentor", "mentorship:checkin_detail", lambda w: w.checkins["moved"]),
    ("mentor", "mentorship:checkin_detail", lambda w: w.checkins["dropped"]),
    ("mentee", "agreements:revisit", lambda w: w.decided),
    (
        "mentee",
        "reviews:detail",
        lambda w: w.mentorship.progress_reviews.earliest("due_on"),
    ),
    ("mentor2", "mentorship:mentorship_detail", lambda w: w.ended),
]


class _Scan(HTMLParser):
    """Collect what an injected payload would add to a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if not values.get("src"):
                self.found.append("inline <script>")
            self._in_script = True
        if tag in INJECTED_TAGS or values.get("src") == "x":
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            cleaned = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
            if name in URL_ATTRIBUTES and cleaned.startswith(
                ("javascript:", "vbscript:")
            ):
                self.found.append(f"{name}={value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("script content")


def injected(html: str) -> list[str]:
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.found


@dataclass
class Tally:
    payload: str
    tags: dict[str, str]  # key -> tag
    checks: int = 0
    renderings: Counter = field(default_factory=Counter)
    shown: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def raw(self, key: str) -> str:
        return self.tags[key] + PAYLOADS[self.payload]

    def html(self, label: str, kind: str, body: str) -> None:
        self.renderings[kind] += 1
        for problem in injected(body):
            self.failures.append(f"{label}: {problem}")
        for key in self.tags:
            raw = self.raw(key)
            self.checks += 1
            if self.payload not in TEXT_ONLY:
                # A form that escaping leaves as it is (fullwidth brackets) is text.
                for form in {raw, unicodedata.normalize("NFKC", raw)}:
                    if form != escape(form) and form in body:
                        self.failures.append(f"{label}: {key} unescaped")
            if escape(raw) in body:
                self.shown.add(key)

    def text(self, label: str, body: str) -> None:
        """A plain-text email part: the payload as written, never HTML-escaped."""
        self.renderings["email text"] += 1
        for key in self.tags:
            self.checks += 1
            if escape(self.raw(key)) in body and escape(self.raw(key)) != self.raw(key):
                self.failures.append(f"{label}: {key} HTML-escaped in plain text")


def _visible(text: str) -> str:
    """The characters a PDF's text layer reliably gives back: printable ASCII, no
    spaces, any case (headings are set in capitals by CSS). Text set in a fallback
    font comes back from pypdf with NULs between its characters."""
    return "".join(
        c for c in text if c.isascii() and c.isprintable() and not c.isspace()
    ).casefold()


@pytest.fixture
def capture_pdf_html(monkeypatch):
    """Keep the HTML each PDF is rendered from, as the renderer received it."""
    import weasyprint

    from agreements import pdf
    from reviews import dashboard, record

    sources: list[str] = []

    def keeping(*args, **kwargs):
        sources.append(kwargs["string"])
        return weasyprint.HTML(*args, **kwargs)

    for module in (pdf, record, dashboard):
        monkeypatch.setattr(module, "HTML", keeping)
    return sources


def _tagger(tags: dict[str, str], payload: str):
    def text(key: str) -> str:
        tags.setdefault(key, f"Q{len(tags):02d}")
        return tags[key] + PAYLOADS[payload]

    return text


def _pages(world, tally: Tally, pdf_sources: list[str]) -> None:
    for actor in ACTORS:
        client = gates.client_for(world, actor)
        for name in gates.APP_ROUTES:
            _owner, url = gates.route_case(name, world)
            response = client.get(url)
            _read(tally, f"{actor} GET {name}", response, pdf_sources)
    for actor, name, target in EXTRA_PAGES:
        url = reverse(name, args=[target(world).public_id])
        response = gates.client_for(world, actor).get(url)
        assert response.status_code == 200, url
        _read(tally, f"{actor} GET {url}", response, pdf_sources)
    staff = gates.client_for(world, "staff")
    for name in gates.walk():
        if name.startswith(gates.ADMIN):
            _owner, url = gates.route_case(name, world)
            _read(tally, f"staff GET {name}", staff.get(url), pdf_sources)


def _read(tally: Tally, label: str, response, pdf_sources: list[str]) -> None:
    kind = response.get("Content-Type", "").split(";")[0]
    body = b"".join(response) if response.streaming else response.content
    if kind == "text/html":
        tally.html(label, "page", body.decode())
    elif kind == "application/pdf":
        html = pdf_sources[-1]
        tally.html(label, "pdf", html)
        _pdf_text(tally, label, html, body)
    elif kind:
        # CSV, JSON, iCalendar: never sniffed as HTML (nosniff), but still counted.
        assert response["X-Content-Type-Options"] == "nosniff", label
        tally.renderings[kind] += 1


def _pdf_text(tally: Tally, label: str, html: str, data: bytes) -> None:
    text = _visible(
        "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    )
    # Never escaped twice: the person's "<" is drawn as "<", not as "&lt;".
    for entity in ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;"):
        if entity in text:
            tally.failures.append(f"{label}: {entity} drawn in the PDF")
    for key in tally.tags:
        if escape(tally.raw(key)) in html:
            tally.checks += 1
            # A right-to-left override is drawn in an order the layout decides, and
            # the text layer keeps that order: only the escapes above apply to it.
            if tally.payload in BIDI:
                continue
            # Each ASCII run on its own: the layout decides what is drawn between
            # lines, and pypdf reads glyphs of a fallback font as other letters.
            for run in re.split(r"[^\x20-\x7e]+", tally.raw(key)):
                if _visible(run) not in text:
                    tally.failures.append(f"{label}: {key} not literal in the PDF text")


def _reflected(world, tally: Tally) -> None:
    """Payloads in the address: search, next=, form choices, page numbers."""
    payload = PAYLOADS[tally.payload]
    program, mentorship = world.program.public_id, world.mentorship.public_id
    cases = [
        ("mentee", f"/programs/{program}/toolkit/", {"q": payload, "kind": payload}),
        (None, "/accounts/login/", {"next": payload}),
        ("mentee", f"/mentorships/{mentorship}/agreement/compare/", {"older": payload}),
        ("mentor", f"/mentorships/{mentorship}/notes/new/", {"checkin": payload}),
        ("mentor", f"/mentorships/{mentorship}/notes/", {"page": payload}),
    ]
    for actor, url, query in cases:
        response = gates.client_for(world, actor).get(url, query)
        body = response.content.decode()
        tally.renderings["reflected"] += 1
        tally.checks += 1
        for problem in injected(body):
            tally.failures.append(f"reflected {url}: {problem}")
        if tally.payload in TEXT_ONLY:
            continue
        for form in {payload, unicodedata.normalize("NFKC", payload)}:
            if form != escape(form) and form in body:
                tally.failures.append(f"reflected {url}: unescaped")


def _send_reminders(settings) -> None:
    """Run every reminder sweep."""
    settings.NOTICE_ENDING_WARNING_DAYS = 30
    tasks.send_reminders()
    tasks.send_note_expiry_warnings()
    agreement_tasks.send_notice_ending_reminders()
    review_tasks.send_review_reminders()


def _end_consent_and_reset(world) -> None:
    """Withdraw the consent (once its summary was read) and ask for a password reset."""
    review_services.withdraw_consent(mentorship=world.mentorship, mentee=world.mentee)
    Client().post("/accounts/password/reset/", {"email": world.mentee.email})


def _emails(tally: Tally) -> None:
    for message in mail.outbox:
        label = f"email {message.subject[:40]!r}"
        assert "\n" not in message.subject and "\u2028" not in message.subject
        tally.text(label, message.body)
        for content, kind in getattr(message, "alternatives", []):
            assert kind == "text/html"
            tally.html(label, "email html", str(content))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_renders_unescaped(
    payload, db, django_capture_on_commit_callbacks, capture_pdf_html, settings
):
    tags: dict[str, str] = {}
    tally = Tally(payload, tags)
    mail.outbox.clear()
    rendered: set[str] = set()

    def keep(sender, template, **kwargs):
        rendered.add(template.name)

    template_rendered.connect(keep)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            world = gates.build_world(_tagger(tags, payload))
        with django_capture_on_commit_callbacks(execute=True):
            _send_reminders(settings)
        # While the consent holds, the supervisor's pages show the mentee's summary.
        _pages(world, tally, capture_pdf_html)
        _reflected(world, tally)
        with django_capture_on_commit_callbacks(execute=True):
            _end_consent_and_reset(world)
    finally:
        template_rendered.disconnect(keep)
    # Every email the app can send was sent, so every email template is checked.
    assert EMAIL_TEMPLATES <= rendered, sorted(EMAIL_TEMPLATES - rendered)
    _emails(tally)

    assert not tally.failures, "\n".join(tally.failures[:40])
    unseen = set(tags) - tally.shown
    assert not unseen, f"fields never shown, so never checked: {sorted(unseen)}"
    assert tally.renderings["pdf"] >= 4
    print(
        f"\n{payload}: {len(tags)} fields, {len(mail.outbox)} emails,"
        f" {sum(tally.renderings.values())} renderings {dict(tally.renderings)},"
        f" {tally.checks} checks, 0 unescaped"
    )


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//evil.example/x",
    ],
)
def test_the_toolkit_link_takes_web_addresses_only(db, link):
    program = gates.factories.ProgramFactory()
    author = gates.factories.UserFactory()
    with pytest.raises(ValidationError):
        toolkit.contribute_entry(
            program=program,
            author=author,
            kind="resource",
            title="T",
            body="B",
            link=link,
        )


def test_a_quote_in_a_toolkit_link_stays_inside_the_attribute(db):
    world = gates.build_world()
    link = "https://example.org/\"onmouseover='alert(1)'"
    entry = toolkit.contribute_entry(
        program=world.program,
        author=world.mentee,
        kind="resource",
        title="Quoted",
        body="B",
        link=link,
    )
    toolkit.publish_entry(entry=entry, decided_by=world.coordinator)
    client = gates.client_for(world, "mentor")
    body = client.get(f"/programs/{world.program.public_id}/toolkit/").content.decode()
    assert f'href="{html_escape(link)}"' in body
    assert injected(body) == []
