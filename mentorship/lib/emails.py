"""Send an email rendered from a pair of templates: emails/<name>.txt and .html."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send(
    name: str,
    *,
    to: str,
    subject: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    """Render emails/<name>.txt and .html with the context and send both parts."""
    context = {"site_url": settings.SITE_URL, **context}
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    # A subject is one header line: never let a line break from user text into it.
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()
