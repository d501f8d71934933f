"""Template filters for notes: who can read one, until when it is kept."""

from __future__ import annotations

from django import template

from mentorship import notes
from mentorship.models import Note, User

register = template.Library()


@register.filter
def readers_for(note: Note, viewer: User) -> str:
    """{{ note|readers_for:viewer }} → "Only you", "You and Priya Patel"."""
    return notes.readers_label(note, viewer)


@register.filter
def expiry_for(note: Note, viewer: User) -> str:
    """{{ note|expiry_for:viewer }} → "kept until 3 Dec 2027"."""
    return notes.expiry_label(note, viewer)
