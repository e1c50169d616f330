"""Fixtures for running the product as processes."""

import os
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.ops.helpers import free_port, session_database_url


@pytest.fixture
def stack_env(django_db_setup, tmp_path) -> dict[str, str]:
    """Environment for a stack of its own next to the test session.

    Same PostgreSQL test database (WMS_SEED_DEMO=false: nothing is written to it), but Redis
    database 15, so the stack's worker never takes tasks the session queued for its own
    worker. Its own port, data folder and static folder.
    """
    redis = urlsplit(settings.REDIS_URL)._replace(path="/15").geturl()
    return {
        **os.environ,
        "WMS_ENV": "development",
        "DATABASE_URL": session_database_url(),
        "REDIS_URL": redis,
        "PORT": str(free_port()),
        "WMS_DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "WMS_SEED_DEMO": "false",
    }
