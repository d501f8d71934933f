"""The agreement as a PDF: a one-page summary, an appendix and a verification code.

WeasyPrint renders templates/pdf/agreement.html. All agreement text goes through the
template's autoescaping and never becomes a link, and the renderer's URL fetcher serves
only the app's own static files: nothing a party writes can make the renderer read a
local file, reach the network or embed an attachment.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Prefetch, TextChoices
from django.template.loader import render_to_string
from django.utils._os import safe_join
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from agreements.models import AgreementVersion, Channel, MeetingFormat
from mentorship.models import Cadence, Role

# Static files are addressed on this origin, which never resolves (RFC 2606 ".invalid"),
# so a relative URL in the template can only reach the renderer through our fetcher.
ASSET_ORIGIN = "https://pdf-assets.invalid"


def verification_code(version: AgreementVersion) -> str:
    """Return the short code printed on the PDF, e.g. "3F2A-09BC-77D1".

    It is the first 12 hex digits of the version's content hash, grouped and upper
    case, so it identifies one proposed or signed version: finding the version whose
    content hash starts with it (case-insensitive, dashes removed) is the caller's job.
    """
    if not version.content_hash:
        raise ValueError("A draft has no content hash: propose it first.")
    code = version.content_hash[:12].upper()
    return "-".join(code[start : start + 4] for start in range(0, 12, 4))


def _static_prefix() -> str:
    """Return the path of STATIC_URL, e.g. "/static/" (a CDN's host is dropped)."""
    path = urlsplit(settings.STATIC_URL).path.strip("/")
    return f"/{path}/" if path else "/"


class StaticFilesFetcher(URLFetcher):
    """Give WeasyPrint the app's own static files and nothing else.

    Only URLs on ASSET_ORIGIN under STATIC_URL are served, read from the directories
    the staticfiles finders search, then STATIC_ROOT. Everything else is refused:
    file:, http(s) to any other host, data: (the template needs none) and any path with
    "." or ".." segments. No request ever leaves the process, so nothing redirects.
    A refused URL raises inside WeasyPrint, which logs it and leaves the resource out;
    the rendering goes on. `fetched` and `refused` record every URL asked for.
    """

    def __init__(self) -> None:
        super().__init__(
            allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False
        )
        self.fetched: list[str] = []
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        return ASSET_ORIGIN + _static_prefix()

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        path = self.find(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"Only the app's own static files may be used: {url}")
        self.fetched.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": content_type}
        )

    def find(self, url: str) -> Path | None:
        """Return the static file the URL names, or None if it names none."""
        parts = urlsplit(url)
        prefix = _static_prefix()
        if (
            f"{parts.scheme}://{parts.netloc}" != ASSET_ORIGIN
            or parts.query
            or not parts.path.startswith(prefix)
        ):
            return None
        name = unquote(parts.path[len(prefix) :])
        segments = name.split("/")
        if "\\" in name or "\0" in name or {"", ".", ".."} & set(segments):
            return None
        found = finders.find(name)
        if found is None and settings.STATIC_ROOT:
            try:
                found = safe_join(settings.STATIC_ROOT, name)
            except SuspiciousFileOperation:
                return None
        path = Path(found) if isinstance(found, str) else None
        return path if path is not None and path.is_file() else None


def render_agreement_pdf(
    version: AgreementVersion, *, fetcher: StaticFilesFetcher | None = None
) -> tuple[bytes, str]:
    """Render the version as a PDF; return its bytes and their SHA-256 (hex).

    The version must be proposed, signed or superseded (it has a content hash). Store
    the digest with the version when a signed version's PDF is delivered: verifying an
    uploaded PDF compares digests and never re-renders. Pass a fetcher to inspect which
    URLs the rendering asked for.
    """
    version = _load(version.pk)
    if fetcher is None:
        fetcher = StaticFilesFetcher()
    html = render_to_string("pdf/agreement.html", _context(version))
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    data: bytes = document.write_pdf(pdf_tags=True)
    return data, hashlib.sha256(data).hexdigest()


def _load(pk: int) -> AgreementVersion:
    # Five queries whatever the history's length: the version with its agreement,
    # mentorship, people and program joined, then criteria, exceptions, signatures
    # and every version of the agreement.
    history = AgreementVersion.objects.order_by("number").only(
        "agreement_id",
        "number",
        "status",
        "rationale",
        "proposed_at",
        "effective_at",
        "superseded_at",
    )
    return (
        AgreementVersion.objects.select_related(
            "agreement__mentorship__mentor",
            "agreement__mentorship__mentee",
            "agreement__mentorship__cohort__program",
        )
        .prefetch_related(
            "criteria",
            "exceptions",
            "signatures",
            Prefetch("agreement__versions", queryset=history),
        )
        .get(pk=pk)
    )


def _labels(values: Iterable[Any], choices: type[TextChoices]) -> list[str]:
    """Return the display label of each stored value (the value itself if unknown)."""
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


def _context(version: AgreementVersion) -> dict[str, Any]:
    mentorship = version.agreement.mentorship
    if version.cadence == Cadence.CUSTOM:
        cadence = _("Every %(days)d days") % {"days": version.cadence_days}
    else:
        cadence = version.get_cadence_display()
    signed = {s.role: s for s in version.signatures.all() if s.round == version.round}
    parties = [
        {"role": role.label, "person": person, "signature": signed.get(role)}
        for role, person in (
            (Role.MENTOR, mentorship.mentor),
            (Role.MENTEE, mentorship.mentee),
        )
    ]
    return {
        "version": version,
        "mentorship": mentorship,
        "program": mentorship.cohort.program,
        "cadence": cadence,
        "formats": _labels(version.formats, MeetingFormat),
        "channels": _labels(version.channels, Channel),
        "criteria": list(version.criteria.all()),
        "exceptions": list(version.exceptions.all()),
        "parties": parties,
        "history": list(version.agreement.versions.all()),
        "code": verification_code(version),
    }
