"""Helpers for reminder tests: check-ins at a time, and what the outbox holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from mentorship.models import CheckIn, Mentorship

# Written into every confidential field a test fills; no email may ever carry it.
CANARY = "canary-7f3a9c-confidential"


def checkin_in(mentorship: Mentorship, *, minutes: float, **fields) -> CheckIn:
    """A check-in planned `minutes` from now (negative: in the past)."""
    return CheckIn.objects.create(
        mentorship=mentorship,
        scheduled_at=timezone.now() + timedelta(minutes=minutes),
        **fields,
    )


def checkin_at(mentorship: Mentorship, at: datetime, **fields) -> CheckIn:
    return CheckIn.objects.create(mentorship=mentorship, scheduled_at=at, **fields)


def recipients(messages: list[EmailMessage] | None = None) -> list[str]:
    """The address of each message sent, sorted."""
    outbox = mail.outbox if messages is None else messages
    return sorted(address for message in outbox for address in message.to)


def full_text(message: EmailMessage) -> str:
    """Subject, headers, text and HTML parts of a message, as one string."""
    parts = [message.subject, message.body, str(message.extra_headers)]
    parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
    return "\n".join(parts)


def html_of(message: EmailMessage) -> str:
    [(html, kind)] = message.alternatives  # type: ignore[attr-defined]
    assert kind == "text/html"
    return str(html)
