# Everything a newcomer types.  `make demo` and `make test` set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_DEPRECATED := quiet
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint typecheck check bench synth screenshot clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed node_modules/.package-lock.json

## demo: synthesize the sample app with the pinned CDK CLI, check it, print the rollout plan, write the timeline
demo: install
	$(BIN)/python -m seawall.demo

## test: the whole suite
test: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check src tests examples bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install
	$(BIN)/python bench/synth_scale.py

synth: install
	cd examples/sample_service && PATH="$(CURDIR)/node_modules/.bin:$$PATH" cdk synth --quiet

screenshot: install
	$(BIN)/python docs/screenshot.py

clean:
	rm -rf $(VENV) node_modules cdk.out examples/*/cdk.out .pytest_cache .hypothesis
