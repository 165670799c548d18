# SenLab: `make up` runs the whole stack, `make test` runs every test.
# Each target installs what it needs first; nothing depends on a step done by hand.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Debian's Python, so that every system account (each trainee's server, the grading
# sandbox) can run the virtualenv; fall back to whatever python3 is on PATH.
PYTHON := $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
STAMP := $(VENV)/.installed
CHP := node_modules/.bin/configurable-http-proxy
PYTEST := $(BIN)/pytest
# Test workers (pytest-xdist) beside the tests that make system accounts, which run one
# after another in a pytest of their own (scripts/run-tests).
export WORKERS ?= 2
export NO_MKDOCS_2_WARNING := 1

.PHONY: up test test-fast test-integration test-postgres fuzz lint docs bench deps-run deps-test clean

up: deps-run
	$(BIN)/senlab up --demo

test: deps-test lint
	scripts/run-tests
	$(MAKE) --no-print-directory docs-strict

test-fast: $(STAMP)
	$(PYTEST) -q -n $(WORKERS) -m "not integration and not postgres and not browser"

test-integration: deps-test
	scripts/run-tests -m "integration or browser"

# The fuzz tests (also in `make test`) at ten times their budget, with their figures.
fuzz: deps-test
	SENLAB_FUZZ_SCALE=10 $(PYTEST) -q -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check senlab lab_devices tests bench hub_config docs_hooks
	$(BIN)/mypy senlab lab_devices
	$(BIN)/lint-imports --no-cache

docs: $(STAMP)
	$(BIN)/mkdocs build

docs-strict: $(STAMP)
	$(BIN)/mkdocs build --strict

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@[ -x $(BIN)/uv ] || $(BIN)/python -m pip install -q uv
	$(BIN)/uv pip install --python $(BIN)/python -e '.[dev]'
	@touch $@

$(CHP): package.json
	npm install --no-audit --no-fund
	@touch $@

deps-run: $(STAMP) $(CHP)
	@scripts/ensure-debs mosquitto:mosquitto mosquitto-clients:mosquitto_pub

deps-test: deps-run
	@scripts/ensure-debs bubblewrap:bwrap chromium:chromium postgresql:pg_ctlcluster

bench: deps-test
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/fleet.py --devices 2000 --seconds 60
	$(BIN)/python bench/progress.py
	$(BIN)/python bench/grading.py
	$(BIN)/python bench/restart.py

clean:
	rm -rf build .pytest_cache .ruff_cache
