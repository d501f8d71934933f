"""Celery tasks of reviews: thin adapters that skip work already done."""

from __future__ import annotations

from celery import shared_task

from reviews import reminders
from reviews.notifications import send_consent_receipt

__all__ = ["send_consent_receipt", "send_review_reminders"]


# Each reminder commits on its own, so a run stopped by its time limit loses nothing.
@shared_task(soft_time_limit=4 * 60, time_limit=4 * 60 + 30)
def send_review_reminders() -> int:
    """Tell both parties, a few days ahead, that a progress review is due."""
    return reminders.send_review_due_reminders()
