# Two entry points, both from a fresh clone: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install install-test browser run test bench eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned to the CPU build first: an unpinned torch pulls a multi-GB CUDA build.
install: $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .

install-test: install
	$(BIN)/pip install -q -e '.[test,eval]'

# Debian's Chromium for the browser tests (skipped when present).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	$(BIN)/rag serve

test: install-test browser
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
