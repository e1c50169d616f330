"""Rules from STYLE.md that a grep can hold: locks live in locks.py, Celery work is enqueued
on commit, SKIP LOCKED is for task claiming only, and flows never run eagerly."""

import re
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
APP_DIRS = ("inventory", "warehouse", "wms")
RAW_LOCK = re.compile(r'"[^"\n]*\bFOR (UPDATE|SHARE|NO KEY UPDATE|KEY SHARE)\b[^"\n]*"')


def app_sources():
    for folder in APP_DIRS:
        for path in (BASE / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text()


def test_row_locks_are_taken_only_in_locks_modules():
    offenders = [
        str(path.relative_to(BASE))
        for path, text in app_sources()
        if ("select_for_update(" in text or RAW_LOCK.search(text)) and path.name != "locks.py"
    ]
    assert offenders == []


def test_every_select_for_update_says_no_key_explicitly():
    for path, text in app_sources():
        for match in re.finditer(r"select_for_update\(", text):
            call = text[match.end() : match.end() + 120]
            assert "no_key=" in call, f"{path}: select_for_update({call}"


def test_skip_locked_is_used_for_task_claiming_only():
    for path, text in app_sources():
        for match in re.finditer(r"skip_locked\s*=\s*True", text):
            before = text[: match.start()]
            function = before[before.rfind("\ndef ") :]
            assert "claim" in function.split("(")[0], f"{path}: SKIP LOCKED outside claiming"


def test_celery_work_is_enqueued_only_on_commit():
    for path, text in app_sources():
        for line in text.splitlines():
            if ".delay(" in line or ".apply_async(" in line:
                assert "on_commit" in line or "partial(" in line, f"{path}: {line.strip()}"


def test_no_eager_celery_anywhere():
    for path in [*BASE.glob("wms/*.py"), *BASE.rglob("tests/**/*.py")]:
        text = path.read_text()
        assert not re.search(r"(ALWAYS_EAGER|always_eager)\s*=\s*True", text), path
