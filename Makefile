# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The suite runs on two processes (pytest-xdist), a module per process at a time.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: install demo test lint typecheck pytest bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Generate the demo municipality on SQLite and serve it on http://127.0.0.1:8000
demo: install
	DEBUG=true $(BIN)/frivalg demo $(DEMO_ARGS)

## Lint (ruff, import-linter, migrations check, mypy) and the whole test suite
test: lint pytest

lint: install
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/lint-imports
	$(BIN)/frivalg makemigrations --check --dry-run
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks: writes docs/benchmarks.md
bench: install
	$(BIN)/python -m frivalg.demo.bench

## Refresh translations (needs GNU gettext for makemessages)
messages: install
	cd src/frivalg && ../../$(BIN)/frivalg makemessages -l da -l en --no-obsolete -i '*/tests/*' -i 'static/*' && ../../$(BIN)/frivalg compilemessages

clean:
	rm -rf $(VENV) var
