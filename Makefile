# Two commands: `make run` serves on http://127.0.0.1:8000, `make test` runs the whole suite
# (lint, types, tests on SQLite and PostgreSQL). Everything installs into ./.venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint fmt fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/massledger serve --host 127.0.0.1 --port 8000

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

# The schemathesis fuzz of every operation with many more examples than CI uses.
fuzz: $(VENV)/.installed-test
	MASSLEDGER_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -n 2 -q tests/reliability/test_schemathesis.py

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
