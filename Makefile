# Everything a newcomer types.  `make demo` and `make test` set themselves up.
#
# Python packages come from the committed uv.lock (exactly what CI tested), installed by a pinned uv that
# `make` bootstraps with pip into .tools/; the CDK CLI comes from package-lock.json through `npm ci`.
# Needs only python3 (3.11+), pip, node (20+) and npm.  Stamp files make a second run install nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
TOOLS := .tools/uv-$(UV_VERSION)
UV := $(TOOLS)/bin/uv
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_DEPRECATED := quiet
# uv uses the Python it is given ($(PYTHON)) and never downloads one.
export UV_PYTHON_DOWNLOADS := never
PYTEST_WORKERS ?= 2

.PHONY: install lock-check demo test lint typecheck check ci bench soak synth screenshot clean

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
	  --root-user-action=ignore --target $(TOOLS) 'uv==$(UV_VERSION)'

# `--frozen`: install exactly the lock, never re-resolve.  The project itself is installed editable.
$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed node_modules/.package-lock.json

## lock-check: fail if uv.lock no longer matches pyproject.toml (after editing dependencies run `$(UV) lock`)
lock-check: $(UV)
	$(UV) lock --check --python $(PYTHON)

## demo: synthesize the sample app with the pinned CDK CLI, check it, print the rollout plan, write the timeline
demo: install
	$(BIN)/python -m seawall.demo

## test: the whole suite
# pytest's workers already fill the CPUs: each rehearsal inside them runs its variants one at a time.
test: install
	SEAWALL_SIM_JOBS=1 $(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check src tests examples bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

## ci: what .ci/run runs (the lock, lint and types first; the suite last)
ci: lock-check lint typecheck test

bench: install
	$(BIN)/python bench/synth_scale.py

## soak: synthesize the sample app and rehearse SOAK generated scenarios on it (default 2000; not part of `make test`)
SOAK ?= 2000
soak: install
	$(BIN)/python bench/soak.py --count $(SOAK)

synth: install
	cd examples/sample_service && PATH="$(CURDIR)/node_modules/.bin:$$PATH" cdk synth --quiet

screenshot: install
	$(BIN)/python docs/screenshot.py

clean:
	rm -rf $(VENV) .tools node_modules cdk.out examples/*/cdk.out .pytest_cache .hypothesis .mypy_cache
