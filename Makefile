# Kefu: `make run` installs everything and serves the demo shop; `make test` runs the suite.
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install test-tools run test lint bench screenshots

install:
	@bash scripts/setup.sh

test-tools:
	@bash scripts/setup_test_tools.sh

run: install
	$(VENV)/bin/kefu ingest kb/demo
	$(VENV)/bin/kefu serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	web/node_modules/.bin/tsc -p web

test: install test-tools lint
	$(VENV)/bin/pytest

bench: install
	$(VENV)/bin/python -m bench

# The manuals' pictures: the browser tests' screenshots, copied into docs/images.
screenshots: install test-tools
	$(VENV)/bin/pytest -q tests/web
	mkdir -p docs/images && cp out/screenshots/*.png docs/images/
