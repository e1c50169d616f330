"""The transactional outbox: Celery sends that the business change has promised.

A row is written in the same transaction as the change that needs the work (an order taken, a
receipt closed), so the promise commits or rolls back with it. After the commit the row is
sent at once and deleted; if Redis is down at that moment the row stays, and the sweeper
(`wms.outbox.outbox_sweep_task`, on the beat) sends it when Redis is back. The tasks are
idempotent, so a row sent twice (sent, then the delete lost) does no harm.
"""

from django.db import models
from django.db.models.functions import Now


class OutboxMessage(models.Model):
    """One Celery task send owed: the task's registered name and its keyword arguments."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    # The database clock: the sweeper compares it with Now(), never with a web host's clock.
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        # The sweeper reads the oldest first; the table is near empty while Redis is up.
        indexes = [models.Index(fields=["created_at"], name="warehouse_outbox_created")]

    def __str__(self) -> str:
        return f"{self.task_name}({self.kwargs})"
