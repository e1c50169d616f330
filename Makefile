# The two commands: `make run` and `make test`. Everything else is what they stand on.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export WMS_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test install lint bench clean-data debian-tools

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
test: install debian-tools
	$(PY) -m wms.embedded exec -- $(PY) -m pytest $(PYTEST_ARGS)

# Debian packages the tests and benchmarks drive: Chromium (browser tests) and wrk (the HTTP
# benchmark and its test). Installed in one apt run when missing (CI machines are fresh).
DEBIAN_TOOLS := chromium wrk
debian-tools:
	@missing=""; for tool in $(DEBIAN_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install debian-tools
	$(PY) -m wms.embedded exec -- $(PY) -m bench $(BENCH_ARGS)

## Stop nothing, delete the embedded services' data (they must not be running).
clean-data:
	rm -rf $(WMS_DATA_DIR)
