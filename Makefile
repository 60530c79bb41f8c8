# The two commands of the README: `make demo` and `make test`. Everything else is their parts.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
EXTRAS ?= dev,transformers

.PHONY: demo test test-fast setup system-deps

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch comes first and pinned: the CPU build on this machine's disk, not a CUDA download.
setup: $(PY)
	@if [[ ",$(EXTRAS)," == *",transformers,"* ]]; then $(PIP) install -q 'torch==2.13.0'; fi
	$(PIP) install -q -e '.[$(EXTRAS)]'

# A CJK font (tests render Chinese into PDFs and images) and Chromium (review pages).
system-deps:
	@bash .ci/system-deps.sh

demo:
	@$(MAKE) -s setup EXTRAS=dev
	$(VENV)/bin/jixiao extract examples/ -o out/examples.jsonl --db out/jixiao.duckdb

test: setup system-deps
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"
