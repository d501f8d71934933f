from __future__ import annotations

from django import template

from agreements.models import Channel, MeetingFormat

register = template.Library()

CHOICES = {"formats": MeetingFormat, "channels": Channel}


@register.filter
def labels(values: list[str], kind: str) -> str:
    """Turn stored codes (formats, channels) into their labels, comma-separated."""
    choices = CHOICES[kind]
    return ", ".join(
        str(choices(value).label) if value in choices.values else value
        for value in values
    )
