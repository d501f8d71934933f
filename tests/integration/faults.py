"""Fault scenarios on real services, shared by tests/integration/test_faults.py and
benchmarks/faults.py: each builds its data in the current database, runs the fault,
and returns an Outcome with its figures and the problems found (none when it held).

- A worker SIGKILLed in the middle of the reminder sweep, and of the purge: a fresh
  worker gets the killed task back from Redis (acks_late) and finishes it.
- Redis SIGKILLed with tasks queued, and again under a consuming worker, then
  restarted from its append-only file. kombu takes a message off the queue and
  records it as unacknowledged in two commands: a kill between them loses it, and
  the beat's sweep of unsent invitations (requeue_unsent_invitations) queues it
  again.
- PostgreSQL restarted, and stopped for a while, under gunicorn (faults_web.py).

Every service is private (faults_services.py): loopback only, temporary data.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from celery import Task
from django.db.models import Sum
from django.utils import timezone

from mentorship import tasks
from mentorship.models import (
    CheckIn,
    DestructionRecord,
    Invitation,
    Note,
    NoteUserObjectPermission,
    Reminder,
)
from tests import factories
from tests.integration.bulk import insert_notes, insert_permissions
from tests.integration.faults_services import (
    VISIBILITY_TIMEOUT,
    PrivateRedis,
    Worker,
    forget_broker_connections,
    tasks_sent_to,
)

INVITATION = "mentorship.tasks.send_invitation_email"
RECOVERY_TIMEOUT = 45  # seconds from a kill to the work being done


@dataclass
class Outcome:
    scenario: str
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def expect(self, holds: bool, problem: str) -> None:
        if not holds:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        lines = [f"{self.scenario}: {'ok' if self.ok else 'FAILED'}"]
        lines += [f"  {name}: {value}" for name, value in self.figures.items()]
        lines += [f"  problem: {problem}" for problem in self.problems]
        return "\n".join(lines)


def _queue() -> str:
    return f"faults-{uuid4().hex[:8]}"


@dataclass
class Kill:
    """What happened around a worker killed mid-task."""

    first: Worker  # the killed worker
    fresh: Worker  # the one started after it
    task_id: str
    recovery: float  # seconds from the kill to the fresh worker's end of the task

    def emails(self) -> list:
        return self.first.emails() + self.fresh.emails()


def _kill_mid_task(
    workdir: Path,
    task: Task,
    under_way: Callable[[Worker], bool],
    at_kill: Callable[[], None],
    **kwargs: object,
) -> Kill:
    """Start a worker and the task; SIGKILL the worker once `under_way` holds and
    call `at_kill`; start a fresh worker on the queue and wait until it has run the
    killed task to its end (Redis redelivers it after the visibility timeout)."""
    with PrivateRedis(workdir / "redis") as broker:
        with tasks_sent_to(broker.url, _queue()) as queue:
            first = Worker.start(
                directory=workdir / "first", broker_url=broker.url, queue=queue
            )
            try:
                run = task.delay(**kwargs)
                first.wait(lambda: under_way(first), what="the task to be under way")
            finally:
                first.kill()
            killed_at = time.monotonic()
            at_kill()
            fresh = Worker.start(
                directory=workdir / "fresh", broker_url=broker.url, queue=queue
            )
            try:
                fresh.wait(
                    lambda: fresh.succeeded(f"{task.name}[{run.id}]"),
                    what="the fresh worker to finish the killed task",
                    timeout=RECOVERY_TIMEOUT,
                )
            finally:
                fresh.stop()
    return Kill(first, fresh, run.id, round(time.monotonic() - killed_at, 1))


# --- Worker SIGKILL -----------------------------------------------------------------


def worker_killed_mid_reminders(workdir: Path, *, pairs=10, each=30) -> Outcome:
    """Kill the worker once 100 of the pairs x each x 2 reminders are out."""
    outcome = Outcome("worker SIGKILL mid reminder sweep")
    cohort = factories.CohortFactory()
    start = timezone.now() + timedelta(minutes=10)  # within the default lead
    CheckIn.objects.bulk_create(
        CheckIn(mentorship=mentorship, scheduled_at=start + timedelta(minutes=n))
        for mentorship in [factories.mentorship_in(cohort) for _ in range(pairs)]
        for n in range(each)
    )
    due = 2 * pairs * each
    claims = Reminder.objects.filter(mentorship__cohort=cohort)
    at_kill: list[int] = []
    kill = _kill_mid_task(
        workdir,
        tasks.send_reminders,
        lambda worker: len(worker.emails()) >= 100,
        lambda: at_kill.append(claims.count()),
    )
    sent = Counter(str(message["Message-ID"]) for message in kill.emails())
    keys = claims.values("kind", "subject", "recipient", "due_at").distinct()
    outcome.figures = {
        "reminders due": due,
        "claimed before the kill": at_kill[0],
        "lost": due - claims.filter(sent_at__isnull=False).count(),
        "duplicate claims": claims.count() - keys.count(),
        "emails sent": sum(sent.values()),
        "emails sent twice (same Message-ID)": sum(n > 1 for n in sent.values()),
        "recovery seconds (kill to the redelivered sweep done)": kill.recovery,
        "visibility timeout seconds": VISIBILITY_TIMEOUT,
    }
    outcome.expect(0 < at_kill[0] < due, "the kill did not land mid-sweep")
    outcome.expect(outcome.figures["lost"] == 0 and len(sent) == due, "lost")
    outcome.expect(outcome.figures["duplicate claims"] == 0, "claimed twice")
    # A kill between the mail server's acceptance and the claim's commit sends that
    # one reminder again, with the same Message-ID: at most the one in flight.
    outcome.expect(max(sent.values()) <= 2, "a reminder emailed three times")
    outcome.expect(sum(n > 1 for n in sent.values()) <= 1, "reminders resent")
    return outcome


def worker_killed_mid_purge(
    workdir: Path, *, mentorships=20, expired=10_000, kept=500, batch=100
) -> Outcome:
    """Kill the worker after three batches of the purge (one transaction each)."""
    outcome = Outcome("worker SIGKILL mid purge")
    now = timezone.now()
    cohort = factories.CohortFactory()
    pairs = [factories.mentorship_in(cohort) for _ in range(mentorships)]
    insert_notes(pairs, expired // mentorships, expires_at=now - timedelta(days=2))
    insert_notes(pairs, kept // mentorships, expires_at=now + timedelta(days=30))
    insert_permissions()
    notes = Note.objects.filter(mentorship__cohort=cohort)
    due = notes.filter(expires_at__lte=now)
    kept_ids = set(notes.filter(expires_at__gt=now).values_list("pk", flat=True))
    records = DestructionRecord.objects.filter(mentorship__cohort=cohort)
    at_kill: list[int] = []  # notes left, notes recorded as destroyed
    kill = _kill_mid_task(
        workdir,
        tasks.purge_expired_notes,
        lambda worker: records.count() >= 3 * mentorships,
        lambda: at_kill.extend([due.count(), _recorded(records)]),
        batch_size=batch,
    )
    left, done = at_kill
    outcome.figures = {
        "expired notes": expired,
        "purged before the kill": expired - left,
        "lost (expired notes left)": due.count(),
        "kept notes deleted": len(kept_ids - set(notes.values_list("pk", flat=True))),
        "destructions recorded twice": _recorded(records) - expired,
        "records not verified": records.filter(verified=False).count(),
        "recovery seconds (kill to the redelivered purge done)": kill.recovery,
        "visibility timeout seconds": VISIBILITY_TIMEOUT,
    }
    outcome.expect(0 < left < expired, "the kill did not land mid-purge")
    outcome.expect(done + left == expired, "the batch in flight was not rolled back")
    outcome.expect(not due.exists(), "expired notes left after recovery")
    outcome.expect(set(notes.values_list("pk", flat=True)) == kept_ids, "kept notes")
    outcome.expect(_recorded(records) == expired, "the records do not add up")
    outcome.expect(not records.filter(verified=False).exists(), "unverified record")
    outcome.expect(
        set(records.values_list("task_id", flat=True)) == {kill.task_id},
        "the records name another run than the killed (redelivered) one",
    )
    permissions = NoteUserObjectPermission.objects.filter(content_object__in=notes)
    outcome.expect(permissions.count() == 2 * kept, "permission rows left or lost")
    return outcome


def _recorded(records) -> int:
    return records.aggregate(n=Sum("note_count"))["n"] or 0


# --- Redis SIGKILL ------------------------------------------------------------------


def redis_killed_with_tasks_queued(workdir: Path, *, queued=50, stream=100) -> Outcome:
    """Queue `queued` invitation emails with no worker running, SIGKILL Redis and
    restart it; a worker then sends each once. Then SIGKILL Redis under that worker
    while it works through `stream` more, and restart it: the worker goes on."""
    outcome = Outcome("Redis SIGKILL with tasks queued")
    cohort = factories.CohortFactory()
    invitations = Invitation.objects.filter(cohort=cohort)
    unsent = invitations.filter(sent_at__isnull=True)
    with PrivateRedis(workdir / "redis") as broker:
        with tasks_sent_to(broker.url, _queue()) as queue, broker.client() as redis:
            for invitation in factories.InvitationFactory.create_batch(
                queued, cohort=cohort
            ):
                tasks.send_invitation_email.delay(invitation_id=invitation.pk)
            in_queue = redis.llen(queue)
            broker.kill()
            broker.start()  # same port and directory: replays the append-only file
            forget_broker_connections()
            after_restart = redis.llen(queue)
            worker = Worker.start(
                directory=workdir / "worker", broker_url=broker.url, queue=queue
            )
            try:
                worker.wait(lambda: not unsent.exists(), what="the queued emails")
                figures = _kill_under_worker(
                    broker, worker, redis, queue, cohort, stream
                )
                worker.wait(
                    lambda: not redis.exists("unacked"),
                    what="the message in flight at the kill to be redelivered",
                )
            finally:
                worker.stop()
    sent = Counter(str(message["To"]) for message in worker.emails())
    total = queued + figures.pop("total")
    outcome.figures = {
        "tasks queued": queued,
        "in Redis before the kill": in_queue,
        "in Redis after the restart": after_restart,
        **figures,
        "lost": max(unsent.count(), total - len(sent)),
        "emails sent twice": sum(n > 1 for n in sent.values()),
        "task runs (a redelivered one finds its email sent)": len(
            worker.succeeded(INVITATION)
        ),
    }
    outcome.expect(in_queue == after_restart == queued, "queued tasks lost")
    outcome.expect(invitations.count() == len(sent) == total, "emails lost")
    outcome.expect(outcome.figures["emails sent twice"] == 0, "an email sent twice")
    outcome.expect(figures["left at the second kill"] > 0, "the kill came too late")
    return outcome


def _kill_under_worker(broker, worker, redis, queue, cohort, stream: int) -> dict:
    """SIGKILL Redis while the worker consumes; restart it; queue a few more. What
    the broker lost at the kill, the sweep of unsent invitations (beat's, run here
    once the worker has settled) queues again."""
    batch = factories.InvitationFactory.create_batch(stream, cohort=cohort)
    for invitation in batch:
        tasks.send_invitation_email.delay(invitation_id=invitation.pk)
    unsent = Invitation.objects.filter(cohort=cohort, sent_at__isnull=True)
    worker.wait(lambda: unsent.count() <= stream * 0.8, what="the worker to consume")
    broker.kill()
    left = unsent.count()
    time.sleep(1)  # down for a while: the worker sees the connection go
    broker.start()
    back = time.monotonic()
    forget_broker_connections()
    after = factories.InvitationFactory.create_batch(10, cohort=cohort)
    for invitation in after:
        tasks.send_invitation_email.delay(invitation_id=invitation.pk)
    moved: list[float] = []

    def progressed() -> bool:
        if not moved and unsent.count() < left + len(after):
            moved.append(time.monotonic())
        return bool(moved)

    worker.wait(progressed, what="the worker to resume", timeout=RECOVERY_TIMEOUT)
    counts: list[int] = []

    def settled() -> bool:
        """All sent, or nothing queued, nothing in flight and none sent for 2 s."""
        counts.append(unsent.count())
        if not counts[-1]:
            return True
        idle = redis.llen(queue) == 0 and not redis.exists("unacked")
        steady = len(counts) >= 20 and len(set(counts[-20:])) == 1
        return idle and steady

    worker.wait(settled, what="the worker to settle", timeout=RECOVERY_TIMEOUT)
    lost_by_broker = unsent.count()
    requeued = tasks.requeue_unsent_invitations(settle_seconds=0)
    worker.wait(lambda: not unsent.exists(), what="the requeued emails")
    return {
        "left at the second kill": left,
        "seconds from Redis's return to the worker consuming": round(
            moved[0] - back, 1
        ),
        "lost by the broker at the kill under the worker": lost_by_broker,
        "queued again by the sweep of unsent invitations": requeued,
        "total": stream + len(after),
    }
