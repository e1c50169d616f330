"""An import's progress and result, kept in the cache (Redis) while the worker runs it.

The upload puts the file and a job record in the cache and enqueues the worker; the worker
updates the record (rows checked of the total, then the counts or the bad rows); the page and
the API read it. No table: a job is worth keeping for a day, and the rows it wrote are in
their own tables (with their ``updated_at``).
"""

import re
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from inventory.services.imports.rows import ImportReport

JOB_TTL = 24 * 3600  # seconds a job's record can be looked at
FILE_TTL = 6 * 3600  # seconds an uploaded file waits for the worker
RUN_LOCK_TTL = 3600  # as the broker's visibility timeout: a redelivery comes after it
_ID = re.compile(r"[0-9a-f]{32}")


class JobStatus:
    QUEUED = "queued"  # waiting for the worker
    RUNNING = "running"  # checking and writing rows
    DONE = "done"  # every row good: written
    REFUSED = "refused"  # some rows bad: nothing written, ``problems`` names them
    FAILED = "failed"  # the file could not be run at all: nothing written, ``message`` says why
    FINISHED = (DONE, REFUSED, FAILED)


@dataclass
class ImportJob:
    id: str
    kind: str
    user_id: int
    filename: str
    total: int  # data rows in the file
    status: str = JobStatus.QUEUED
    checked: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_count: int = 0
    stopped_at: int | None = None
    message: str = ""
    queued_at: str = ""
    finished_at: str = ""

    @property
    def finished(self) -> bool:
        return self.status in JobStatus.FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, self.checked * 100 // self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _key(job_id: str) -> str:
    return f"wms:csv-import:{job_id}"


def import_job_create(
    *, kind: str, user_id: int, filename: str, total: int, raw: bytes
) -> ImportJob:
    """A queued job holding the file for the worker."""
    job = ImportJob(
        id=uuid.uuid4().hex,
        kind=kind,
        user_id=user_id,
        filename=filename[:200],
        total=total,
        queued_at=timezone.now().isoformat(),
    )
    cache.set(_key(job.id) + ":file", raw, FILE_TTL)
    import_job_save(job)
    return job


def import_job_get(*, job_id: str) -> ImportJob | None:
    if not _ID.fullmatch(job_id or ""):
        return None
    data = cache.get(_key(job_id))
    if data is None:
        return None
    known = {f.name for f in fields(ImportJob)}
    return ImportJob(**{name: value for name, value in data.items() if name in known})


def import_job_save(job: ImportJob) -> None:
    cache.set(_key(job.id), job.as_dict(), JOB_TTL)


def import_job_file(*, job_id: str) -> bytes | None:
    return cache.get(_key(job_id) + ":file")


def import_job_claim(*, job_id: str) -> bool:
    """Take the job for one run: False when another worker has it (a redelivered message)."""
    return cache.add(_key(job_id) + ":run", 1, RUN_LOCK_TTL)


def import_job_release(*, job_id: str) -> None:
    cache.delete(_key(job_id) + ":run")


def import_job_progress(job: ImportJob, checked: int) -> None:
    job.status = JobStatus.RUNNING
    job.checked = checked
    import_job_save(job)


def import_job_finish(job: ImportJob, report: ImportReport) -> None:
    """Record the result and drop the file: a finished job is never run again."""
    job.checked = report.checked
    job.created = report.counts["created"]
    job.updated = report.counts["updated"]
    job.unchanged = report.counts["unchanged"]
    job.problems = [asdict(problem) for problem in report.problems]
    job.problem_count = report.problem_count
    job.stopped_at = report.stopped_at
    job.status = JobStatus.DONE if report.written else JobStatus.REFUSED
    _close(job)


def import_job_fail(job: ImportJob, message: str) -> None:
    job.status = JobStatus.FAILED
    job.message = message
    _close(job)


def _close(job: ImportJob) -> None:
    job.finished_at = timezone.now().isoformat()
    import_job_save(job)
    cache.delete(_key(job.id) + ":file")
