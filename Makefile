# Two commands: `make run` serves on http://127.0.0.1:8000, `make test` runs the whole suite
# (lint, types, tests on SQLite and PostgreSQL). Everything installs into ./.venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint fmt fuzz clean bench bench-quick profile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-bench

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/massledger serve --host 127.0.0.1 --port 8000

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

# The schemathesis fuzz of every operation, the stateful run along the OpenAPI links and the registry fuzz,
# with many more examples than CI uses.
fuzz: $(VENV)/.installed-test
	MASSLEDGER_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -n 2 -q tests/reliability/test_schemathesis.py tests/reliability/test_stateful.py tests/registry/test_fuzz.py

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Benchmarks (not tests; see bench/README.md): every scenario on SQLite and PostgreSQL, server pinned to
# core 0, wrk on core 1. Installs wrk (Debian) when missing. Writes bench/results.json, bench/results.png
# and the table in bench/README.md. `bench-quick` is a short run that validates the harness.
bench: $(VENV)/.installed-bench
	command -v wrk >/dev/null || (apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk))
	$(BIN)/python -m bench --profile full

bench-quick: $(VENV)/.installed-bench
	command -v wrk >/dev/null || (apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk))
	$(BIN)/python -m bench --profile quick

# py-spy profile of the server under wrk load: single append and GET, SQLite (bench/README.md).
profile: $(VENV)/.installed-bench
	command -v wrk >/dev/null || (apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk))
	$(BIN)/python -m bench.profile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
