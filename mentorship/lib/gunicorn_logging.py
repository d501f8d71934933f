"""A gunicorn logger that keeps the secrets carried in some paths out of the log.

The calendar feed (calendar/<token>.ics) and the invitation link (join/<token>/)
are secret addresses: whoever reads an access log line could otherwise subscribe
to someone's calendar or use their invitation. Every text atom is redacted (request
line, path, query, referer, headers and environ), since a token can show up in any of
them. Use it with `gunicorn --logger-class mentorship.lib.gunicorn_logging.Logger`.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn import glogging

REDACTED = "…"
# (pattern, replacement): the token between the path's prefix and its end.
_SECRET_PATHS = (
    (
        re.compile(r"(/calendar/)[^/?#\s\"]+?(\.ics)?(?=[/?#\s\"]|$)"),
        rf"\1{REDACTED}\2",
    ),
    (re.compile(r"(/join/)[^/?#\s\"]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    """Replace the token in a calendar feed or invitation path with an ellipsis."""
    for pattern, replacement in _SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


class Logger(glogging.Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
