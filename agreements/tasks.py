"""Celery tasks of agreements: thin adapters that load by pk and skip work done."""

from __future__ import annotations

from celery import shared_task

from agreements import reminders, services
from agreements.notifications import notify_disclosure

__all__ = [
    "activate_due_amendments",
    "notify_disclosure",
    "send_notice_ending_reminders",
]


@shared_task
def activate_due_amendments() -> int:
    """Make effective each fully signed amendment whose notice period has ended."""
    return services.activate_due_versions()


@shared_task(soft_time_limit=4 * 60, time_limit=4 * 60 + 30)
def send_notice_ending_reminders() -> int:
    """Tell both parties when a signed amendment's notice period is about to end."""
    return reminders.send_notice_ending_reminders()
