"""Settings of the processes the fault scenarios start: the test settings (DEBUG off,
the production middleware, database and error pages; static files from the source
tree, so no collectstatic; with TEST_WORKER_OUTBOX set, a worker takes tasks from
REDIS_URL and writes its emails to files), with a short visibility timeout.

A worker killed in the middle of a task (acks_late) leaves the message unacknowledged
in Redis, and kombu puts it back on its queue once it is older than the visibility
timeout. That is an hour by default, above the purge's 55-minute time limit: a shorter
one in production would hand a long purge to a second worker while the first still
runs it. Here the tasks are short, so the scenarios shorten it, and look for such
messages every second, to see a fresh worker finish the killed one's task.
"""

import os

from tests.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "5")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
