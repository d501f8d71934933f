"""Celery tasks of agreements: thin adapters that load by pk and skip work done."""

from __future__ import annotations

from celery import shared_task

from agreements import services
from agreements.notifications import notify_disclosure

__all__ = ["activate_due_amendments", "notify_disclosure"]


@shared_task
def activate_due_amendments() -> int:
    """Make effective each fully signed amendment whose notice period has ended."""
    return services.activate_due_versions()
