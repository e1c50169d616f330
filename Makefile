# The two commands: `make run` and `make test`. Everything else is what they stand on.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export WMS_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test install lint bench clean-data browser

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock file changes, so second runs start in seconds.
$(VENV)/.installed: requirements.lock | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

install: $(VENV)/.installed

## Serve web + Celery worker + beat on 127.0.0.1:$(PORT) with the demo, until Ctrl-C.
run: install
	PORT=$(PORT) $(PY) -m wms.embedded run

## The whole suite against real PostgreSQL, Redis and a Celery worker, pages in Chromium.
test: install browser
	$(PY) -m wms.embedded exec -- $(PY) -m pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when missing (CI machines are fresh).
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The HTTP benchmark drives gunicorn with wrk, from Debian's packages like chromium above.
bench: install
	@command -v wrk >/dev/null || { \
	  echo "installing Debian's wrk for the HTTP benchmark"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi; }
	$(PY) -m wms.embedded exec -- $(PY) -m bench $(BENCH_ARGS)

## Stop nothing, delete the embedded services' data (they must not be running).
clean-data:
	rm -rf $(WMS_DATA_DIR)
