# One task runner for people and CI.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= autoclip-data

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: make a real Korean short from the bundled sample into ./autoclip-data
demo: $(STAMP)
	$(BIN)/autoclip generate --text src/autoclip/samples/ko_sleep.txt --vertical senior_health --out $(DATA)

# Test processes (pytest-xdist): the suite waits on servers, browsers and ffmpeg as much as it
# computes, so three keep 2 cores busy. Each file runs on one worker, the e2e renders and the
# studio's browser each as one unit (tests/conftest.py).
TEST_WORKERS ?= 3

## test: the whole suite (renders real videos; about 35 minutes on 2 cores)
test: $(STAMP)
	scripts/ensure-tools.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=25

## lint: ruff, mypy, a security linter and a dependency audit, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -c pyproject.toml -q -r src scripts
	$(BIN)/python scripts/audit-deps.py

## bench: the render and motion benchmarks of docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python benchmarks/render_bench.py --rounds 2
	$(BIN)/python benchmarks/motion_jitter.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
