# Two commands on a fresh machine: `make run` (demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
INDEX  ?= index
PORT   ?= 5000
HOST   ?= 127.0.0.1

.PHONY: run test lint format install browser index serve bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/searchapp reindex searchapp/sample --index $(INDEX)

run: index
	$(BIN)/searchapp serve --index $(INDEX) --host $(HOST) --port $(PORT)

browser:
	@scripts/ensure-chromium

lint: install
	$(BIN)/ruff check searchapp tests bench
	$(BIN)/ruff format --check searchapp tests bench

format: install
	$(BIN)/ruff check --fix searchapp tests bench
	$(BIN)/ruff format searchapp tests bench

test: install browser lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/run.py $(if $(ARTICLES),--articles $(ARTICLES)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
