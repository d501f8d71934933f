"""Fixture the no-mark-safe rule must flag. Never imported."""

from django.utils.safestring import mark_safe


def greeting(name: str) -> str:
    return mark_safe(f"<b>{name}</b>")
