# Two entry points, both from a fresh clone: `make run` and `make test`.
# Installs are recorded in stamp files inside the venv: a second `make run` with nothing changed
# reinstalls nothing and goes straight to `rag serve` (the package is installed editable, so code
# changes need no reinstall; a change to pyproject.toml, setup.py or this file reinstalls).
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
INSTALLED = $(VENV)/.rag-installed
TEST_INSTALLED = $(VENV)/.rag-test-installed
PIP = $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install install-test browser run test bench eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch is pinned to the CPU build first: an unpinned torch pulls a multi-GB CUDA build.
$(INSTALLED): pyproject.toml setup.py Makefile | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	@touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(PIP) install -e '.[test,eval]'
	@touch $@

install: $(INSTALLED)

install-test: $(TEST_INSTALLED)

# Debian's Chromium for the browser tests (skipped when present).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	$(BIN)/rag serve

# Lint and types first (seconds), then the suite.
test: install-test browser
	$(BIN)/ruff check rag tests eval benchmarks
	$(BIN)/ruff format --check rag tests eval benchmarks
	$(BIN)/mypy rag
	$(BIN)/python -m pytest -q

bench: install-test
	$(BIN)/python benchmarks/ingest_throughput.py
	$(BIN)/python benchmarks/latency.py

# The hand-checked seed set, then RealTime QA (needs ../shared/data; builds index/realtimeqa once).
eval: install-test
	$(BIN)/python eval/seed.py
	$(BIN)/python eval/realtimeqa.py

clean:
	rm -rf $(VENV) index/default
