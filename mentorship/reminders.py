"""Send each reminder exactly once, claimed by a database row.

deliver() inserts the Reminder row, sends the email and stamps sent_at in one
transaction. The unique key (kind, subject, recipient, due time) makes the claim
exclusive: a second sender (a task run twice, a second beat) blocks on the uncommitted
row and then finds it taken; a sender killed before its commit leaves no row behind,
so the next sweep sends the reminder. The one window left is a kill between the mail
server's acceptance and the commit; the Message-ID is derived from the claim's key, so
a second copy carries the same id and mail systems can fold them together.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorship.lib import emails
from mentorship.models import Mentorship, Reminder, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A reminder that is due: to whom, about what, and the email that says so.

    The context must hold no confidential content: say that something is due and
    link to it.
    """

    kind: str
    subject: UUID
    due_at: datetime
    recipient: User
    template: str
    subject_line: str
    mentorship: Mentorship | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def message_id(self) -> str:
        key = (
            f"{self.kind}:{self.subject}:{self.recipient.pk}:{self.due_at.isoformat()}"
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        return f"<reminder.{digest}@{domain or 'localhost'}>"


def deliver(due: Due) -> bool:
    """Claim the reminder and send it; return False if it was already claimed."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=due.kind,
                subject=due.subject,
                due_at=due.due_at,
                recipient=due.recipient,
                mentorship=due.mentorship,
            )
            emails.send(
                due.template,
                to=due.recipient.email,
                subject=due.subject_line,
                context={"recipient": due.recipient, **due.context},
                headers={"Message-ID": due.message_id()},
            )
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
    except IntegrityError:
        return False
    log.info("Reminder %s sent to user %s", due.kind, due.recipient.pk)
    return True
