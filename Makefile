# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export D8COOP_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint migrations-check check-deploy bench bench-import clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/d8coop setup
	$(BIN)/d8coop serve

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

migrations-check: install
	D8COOP_ENV=test $(BIN)/d8coop makemigrations --check --dry-run

test: install lint migrations-check
	D8COOP_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python scripts/bench_task_force_page.py

bench-import: install
	$(BIN)/python scripts/bench_sme_import.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
