"""CSV imports of master data, as the data page and the API start them and the worker runs
them: which kinds there are, who may import each, and the two steps.

1. ``csv_import_start`` (in the request): the file is checked as a whole (size, encoding,
   delimiter, header, row count; a bad file is refused at once), put in the cache with a job
   record, and the worker is enqueued on commit.
2. ``csv_import_run`` (in the worker): every row through its services in one transaction,
   progress in the job record as it goes, then the counts, or the bad rows and nothing written.

Products and reorder rules are inventory's, locations the warehouse's; this module is the one
place that knows all three, so it lives on the warehouse side (which may import inventory).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import OperationalError

from inventory.errors import DomainError, NotAllowed
from inventory.models import Warehouse
from inventory.selectors import warehouses_for_user
from inventory.services.imports.files import Columns, CsvFileError, csv_file_read
from inventory.services.imports.jobs import (
    ImportJob,
    import_job_claim,
    import_job_create,
    import_job_fail,
    import_job_file,
    import_job_finish,
    import_job_get,
    import_job_progress,
    import_job_release,
)
from inventory.services.imports.products import PRODUCT_COLUMNS, ProductRows
from inventory.services.imports.rows import RowKind, rows_import
from inventory.services.imports.rules import RULE_COLUMNS, RuleRows
from warehouse.services.location_import import LOCATION_COLUMNS, LocationRows
from wms.outbox import enqueue_on_commit
from wms.roles import PURCHASER, SUPERVISOR, user_roles

logger = logging.getLogger(__name__)
AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class ImportKind:
    name: str
    label: str
    key: str  # the natural key, in words: how a row finds the object it updates
    columns: Columns
    permissions: tuple[str, ...]
    roles: frozenset[str]
    rows: Callable[[AnyUser], RowKind]  # the row writer for this user (their warehouses, the audit)

    def allows(self, user: AnyUser) -> bool:
        return bool(user_roles(user) & self.roles) and all(
            user.has_perm(permission) for permission in self.permissions
        )


def _scope(user: AnyUser) -> list[Warehouse]:
    return list(warehouses_for_user(user=user))


IMPORT_KINDS = {
    kind.name: kind
    for kind in (
        ImportKind(
            name="products",
            label="Products",
            key="SKU",
            columns=PRODUCT_COLUMNS,
            permissions=("inventory.add_product", "inventory.change_product"),
            roles=frozenset({SUPERVISOR}),
            rows=lambda user: ProductRows(actor_id=user.pk),
        ),
        ImportKind(
            name="locations",
            label="Locations",
            key="warehouse and code",
            columns=LOCATION_COLUMNS,
            permissions=("warehouse.add_location", "warehouse.change_location"),
            roles=frozenset({SUPERVISOR}),
            rows=lambda user: LocationRows(warehouses=_scope(user), actor_id=user.pk),
        ),
        ImportKind(
            name="reorder-rules",
            label="Reorder rules",
            key="warehouse and SKU",
            columns=RULE_COLUMNS,
            permissions=("inventory.manage_replenishment",),
            roles=frozenset({SUPERVISOR, PURCHASER}),
            rows=lambda user: RuleRows(warehouses=_scope(user), actor_id=user.pk),
        ),
    )
}


def import_kinds_for_user(*, user: AnyUser) -> list[ImportKind]:
    return [kind for kind in IMPORT_KINDS.values() if kind.allows(user)]


def import_kind_get(*, name: str, user: AnyUser) -> ImportKind:
    """The kind, if the user may import it. Raises DomainError (no such kind), NotAllowed."""
    kind = IMPORT_KINDS.get(name)
    if kind is None:
        raise DomainError(
            f"There is no import of “{name[:40]}”; choose one of {', '.join(IMPORT_KINDS)}.",
            field="kind",
        )
    if not kind.allows(user):
        raise NotAllowed(f"You may not import {kind.label.lower()}.", field="kind")
    return kind


def import_job_of(*, job_id: str, user: AnyUser) -> ImportJob | None:
    """The job if this user started it (anyone else's is none of theirs)."""
    job = import_job_get(job_id=job_id)
    if job is None or job.user_id != user.pk:
        return None
    return job


def csv_import_start(*, kind: str, user: AnyUser, filename: str, raw: bytes) -> ImportJob:
    """Check the file as a whole and queue it for the worker; returns the queued job.

    Raises DomainError (unknown kind), NotAllowed, CsvFileError (too big, empty, not UTF-8,
    a bad header, only a header, too many rows). Nothing is written here.
    """
    spec = import_kind_get(name=kind, user=user)
    csv_file = csv_file_read(raw, columns=spec.columns)
    job = import_job_create(
        kind=spec.name, user_id=user.pk, filename=filename, total=len(csv_file.rows), raw=raw
    )
    from warehouse.tasks import csv_import_run_task  # the tasks module imports services

    enqueue_on_commit(csv_import_run_task, job_id=job.id)
    return job


def csv_import_run(*, job_id: str) -> ImportJob | None:
    """The worker's part: run a queued job once (a redelivered message finds it finished, or
    taken by another worker, and does nothing). Returns the job as it ends, None if unknown."""
    job = import_job_get(job_id=job_id)
    if job is None or job.finished or not import_job_claim(job_id=job_id):
        return job
    try:
        _run(job)
    finally:
        import_job_release(job_id=job_id)
    return job


def _run(job: ImportJob) -> None:
    raw = import_job_file(job_id=job.id)
    if raw is None:
        import_job_fail(job, "The file expired before the worker reached it; upload it again.")
        return
    user = get_user_model().objects.filter(pk=job.user_id, is_active=True).first()
    spec = IMPORT_KINDS.get(job.kind)
    if user is None or spec is None or not spec.allows(user):
        import_job_fail(job, "You may no longer make this import; nothing was written.")
        return
    try:
        csv_file = csv_file_read(raw, columns=spec.columns)
    except CsvFileError as exc:  # checked at the upload; only a changed rule brings one here
        import_job_fail(job, exc.message)
        return
    import_job_progress(job, 0)
    try:
        report = rows_import(
            kind=spec.rows(user),
            csv_file=csv_file,
            progress=partial(import_job_progress, job),
        )
    except OperationalError:
        logger.exception("import %s: database error", job.id)
        import_job_fail(
            job, "The database was too busy to finish the import; nothing was written. Try again."
        )
        return
    except Exception:
        logger.exception("import %s failed", job.id)
        import_job_fail(job, "The import stopped on an unexpected error; nothing was written.")
        return
    import_job_finish(job, report)
    logger.info("import %s (%s): %s, %s rows checked", job.id, job.kind, job.status, report.checked)
