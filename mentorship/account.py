"""A person's own settings: time zone, reminders, and their calendar feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from mentorship.lib import emails
from mentorship.models import CheckIn, Mentorship, User, new_calendar_token

FEED_SUMMARY = "Mentoring check-in"
# What secrets.token_urlsafe() makes: URL-safe base64.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def update_preferences(
    *, user: User, time_zone: str, checkin_reminder_minutes: int
) -> User:
    """Save the user's time zone and how long before a check-in to remind them."""
    user.time_zone = time_zone
    user.checkin_reminder_minutes = checkin_reminder_minutes
    user.save(update_fields=["time_zone", "checkin_reminder_minutes"])
    return user


def turn_on_calendar_feed(*, user: User) -> User:
    """Give the user a secret feed address, unless they have one already."""
    if user.calendar_token is None:
        _set_token(user, new_calendar_token())
    return user


def regenerate_calendar_feed(*, user: User) -> User:
    """Give the user a new secret feed address; the old one stops working."""
    _set_token(user, new_calendar_token())
    return user


def turn_off_calendar_feed(*, user: User) -> User:
    """Remove the user's feed address; it stops working."""
    _set_token(user, None)
    return user


def _set_token(user: User, token: str | None) -> None:
    user.calendar_token = token
    user.save(update_fields=["calendar_token"])


def feed_url(user: User) -> str | None:
    """The absolute address of the user's feed, or None while it is off."""
    if user.calendar_token is None:
        return None
    return emails.absolute_url(
        reverse("mentorship:calendar_feed", args=[user.calendar_token])
    )


def feed_owner(token: str) -> User | None:
    """Return the active user whose feed has this secret address, if any."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None  # not one we made (and a NUL would upset PostgreSQL)
    return User.objects.filter(calendar_token=token, is_active=True).first()


def upcoming_checkins(user: User, now: datetime) -> list[CheckIn]:
    """The planned check-ins ahead in the user's own active mentorships."""
    return list(
        CheckIn.objects.upcoming(now)
        .filter(
            Q(mentorship__mentor=user) | Q(mentorship__mentee=user),
            mentorship__status=Mentorship.Status.ACTIVE,
        )
        .order_by("scheduled_at", "pk")
    )


def calendar_feed(*, user: User, now: datetime | None = None) -> bytes:
    """Render the user's upcoming check-ins as an iCalendar document.

    Each event holds a time, a fixed title and a link, nothing else: no names and
    no content, because calendar apps sync, share and display events widely.
    """
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    feed = Calendar()
    feed.add("prodid", "-//Mentoring//Check-ins//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", "Mentoring check-ins")
    for checkin in upcoming_checkins(user, now or timezone.now()):
        event = Event()
        event.add("uid", f"{checkin.public_id}@{host}")
        # Without a METHOD, DTSTAMP is the time the event last changed (RFC 5545).
        event.add("dtstamp", checkin.updated_at.astimezone(UTC))
        event.add("last-modified", checkin.updated_at.astimezone(UTC))
        event.add("dtstart", checkin.scheduled_at.astimezone(UTC))
        event.add("dtend", checkin.ends_at.astimezone(UTC))
        event.add("summary", FEED_SUMMARY)
        event.add("url", emails.absolute_url(checkin.get_absolute_url()))
        feed.add_component(event)
    return feed.to_ical()
