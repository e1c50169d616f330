"""Enqueue Celery work so that a Redis outage loses nothing: a transactional outbox.

`transaction.on_commit(partial(task.delay, ...))` sends after the commit; if Redis is down at
that moment, `.delay` raises after the business change is already committed: the work (an
order's allocation, a receipt's putaway plan) is lost, and the request that committed it
fails. Instead, `enqueue_on_commit` writes one outbox row in the caller's transaction (the
promise commits or rolls back with the change), tries the send after the commit and deletes
the row when Redis took it. A row Redis did not take stays; `outbox_sweep_task` (beat, every
30 s) sends the rows older than a few seconds once Redis is back.

A row can be sent twice (sent, then its delete lost; or the hook and the sweeper at the same
moment): every task enqueued this way is idempotent (STYLE.md §6), so that is harmless.

The table belongs to the warehouse app; this module sits in the project package so that
inventory's services can use it too, and reaches the model through the app registry so that
inventory still imports no warehouse code.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task, shared_task
from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Now

from wms.celery import app

logger = logging.getLogger(__name__)

# Rows younger than this are left to their own commit hook, which is sending them right now.
SWEEP_AFTER = timedelta(seconds=10)
SWEEP_BATCH = 500
# The send right after a commit tries once more at once (a stale pooled connection), then
# gives up: the sweeper is the retry, and a request must not wait on a dead Redis.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def _outbox() -> type[models.Model]:
    return apps.get_model("warehouse", "OutboxMessage")


def enqueue_on_commit(task: Task, /, **kwargs: Any) -> None:
    """Have `task(**kwargs)` run by a worker once the caller's transaction commits (at once
    outside a transaction). Costs one INSERT in the transaction and one DELETE after it.

    kwargs must be JSON (ids, lists of ids), as the tasks take them anyway.
    """
    message = _outbox().objects.create(task_name=task.name, kwargs=kwargs)
    transaction.on_commit(OutboxSend(task.delay, message_id=message.pk, **kwargs))


def _send(task_name: str, kwargs: dict[str, Any]) -> bool:
    """True when the broker took the message. Never raises: the caller's change is committed,
    and a failed send is only a row left for the sweeper."""
    try:
        # ignore_result: nobody reads these results, and without it the send first subscribes
        # to the result backend, which on a dead Redis retries for 20 s and then breaks the app
        # for good ("The Celery application must be restarted").
        app.send_task(
            task_name,
            kwargs=kwargs,
            ignore_result=True,
            retry=True,
            retry_policy=SEND_RETRY_POLICY,
        )
    except Exception:  # any broker failure (kombu, socket, redis): the row stays for the sweep
        logger.warning("outbox: %s not sent, left for the sweeper", task_name, exc_info=True)
        return False
    return True


class OutboxSend(partial):
    """The on-commit callback. It reads as the `partial(task.delay, **ids)` of STYLE.md §6
    (`.func` is the task's `delay`, `.keywords` its ids: what tests of the services inspect),
    but when called it sends without ever raising and settles the task's outbox row."""

    message_id: int

    def __new__(cls, func: Any, /, *, message_id: int, **kwargs: Any) -> "OutboxSend":
        self = super().__new__(cls, func, **kwargs)
        self.message_id = message_id
        return self

    def __call__(self, /, *args: Any, **kwargs: Any) -> None:
        if _send(self.func.__self__.name, dict(self.keywords)):
            _outbox().objects.filter(pk=self.message_id).delete()


def outbox_sweep(*, older_than: timedelta = SWEEP_AFTER, limit: int = SWEEP_BATCH) -> int:
    """Send the outbox rows their commit hook did not send (Redis was down, or the process
    died between commit and send), oldest first; stop at the first refused send (Redis still
    down). Returns how many were sent; those rows are deleted."""
    rows = list(
        _outbox()
        .objects.filter(created_at__lt=Now() - older_than)
        .order_by("created_at", "pk")
        .values_list("pk", "task_name", "kwargs")[:limit]
    )
    sent = []
    for pk, task_name, kwargs in rows:
        if not _send(task_name, kwargs):
            break
        sent.append(pk)
    _outbox().objects.filter(pk__in=sent).delete()
    return len(sent)


@shared_task(name="wms.outbox.outbox_sweep_task")
def outbox_sweep_task() -> int:
    return outbox_sweep()
