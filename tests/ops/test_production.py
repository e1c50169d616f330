"""The production profile (WMS_ENV=production), as the container starts it: fresh processes
with only the environment a deployer sets."""

import os
import secrets
import sys

from tests.ops.helpers import BASE_DIR, free_port, run

MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def production_env(**overrides: str) -> dict[str, str]:
    # Nothing from the test session leaks in: a deployment has only what it was given.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WMS_", "DJ"))}
    env.update(
        WMS_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="wms.example.com",
        # check never connects; these only have to be well formed
        DATABASE_URL="postgresql://wms:secret@db.invalid:5432/wms",
        REDIS_URL="redis://redis.invalid:6379/0",
    )
    env.update(overrides)
    return env


def test_production_profile_passes_the_deploy_check():
    result = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start_and_says_why(tmp_path):
    env = production_env()
    del env["SECRET_KEY"]
    checked = run([*MANAGE, "check"], env)
    assert checked.returncode != 0
    assert "Set SECRET_KEY to a long random value" in checked.stderr

    port = free_port()
    stack = run(
        [sys.executable, "-m", "wms.stack"],
        {**env, "PORT": str(port), "WMS_DATA_DIR": str(tmp_path)},
    )
    assert stack.returncode == 1
    assert "cannot start: the configuration is incomplete: Set SECRET_KEY" in stack.stderr
    assert "Traceback" not in stack.stderr


def test_production_with_a_short_secret_key_refuses_to_start():
    checked = run([*MANAGE, "check"], {**production_env(), "SECRET_KEY": "short"})
    assert checked.returncode != 0
    assert "Set SECRET_KEY to a long random value" in checked.stderr


def test_production_without_allowed_hosts_refuses_to_start_and_says_why():
    env = production_env()
    del env["ALLOWED_HOSTS"]
    checked = run([*MANAGE, "check"], env)
    assert checked.returncode != 0
    assert "Set ALLOWED_HOSTS to the host names the site is served on." in checked.stderr


def test_static_files_collect_under_the_production_profile(tmp_path):
    # What the Dockerfile runs at build time: hashed, compressed copies and a manifest. A
    # stylesheet that points at a missing file fails here, not in the image build.
    env = production_env(STATIC_ROOT=str(tmp_path / "static"))
    result = run([*MANAGE, "collectstatic", "--noinput", "--verbosity", "0"], env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static").rglob("*.css.gz"))
