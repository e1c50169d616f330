"""Settings of the fault tests' own Celery workers (tests/ops/test_faults.py).

The product's settings, with two changes a test needs and production must not have:

- A queue of their own, so the session's worker (tests/conftest.py) never takes the task a
  fault test is about to kill, and what these workers enqueue (pick tasks after an allocation,
  a retry) comes back to them.
- How soon a message delivered to a worker that died is handed out again: production waits
  the broker's visibility timeout (an hour); a restarted test worker takes it back after
  WMS_FAULTS_REDELIVER_AFTER seconds, and looks every second.
"""

import os

from wms.settings import *  # noqa: F403 - the product's settings, changed below
from wms.settings import CELERY_BROKER_TRANSPORT_OPTIONS

FAULTS_QUEUE = "faults"

CELERY_TASK_DEFAULT_QUEUE = FAULTS_QUEUE
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": float(os.environ.get("WMS_FAULTS_REDELIVER_AFTER", "3600")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
