"""Celery tasks of reviews: thin adapters that skip work already done."""

from __future__ import annotations

from celery import shared_task

from reviews import reminders
from reviews.notifications import send_consent_receipt, tell_supervisor

__all__ = ["send_consent_receipt", "send_review_reminders", "tell_supervisor"]


# Each reminder commits on its own, so a run stopped by its time limit loses nothing.
@shared_task(soft_time_limit=4 * 60, time_limit=4 * 60 + 30)
def send_review_reminders() -> dict[str, int]:
    """Tell the pair a review is due, and mentees that their consent ends soon."""
    return {
        "review_due": reminders.send_review_due_reminders(),
        "consent_expiry": reminders.send_consent_expiry_reminders(),
    }
