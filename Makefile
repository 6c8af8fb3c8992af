# kg — two commands do everything:
#   make demo   set up a virtualenv, install kg, build the sample graph into output/
#   make test   set up, install test tools (chromium, rapper), run lint, types and tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed

.PHONY: demo test lint typecheck pytest system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build data/sample/*.txt -o output
	$(BIN)/kg stats output

system-deps:
	bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check kg tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy kg

pytest: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) output build *.egg-info .mypy_cache .ruff_cache .pytest_cache
