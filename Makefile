# The two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint unit asyncapi openapi bench faults vendor clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install  ## start NATS, Postgres (unless CRM_*_URL is set), migrations and every service
	$(PY) -m crm_shared.launcher

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services cli tests bench
	$(VENV)/bin/lint-imports

test: lint  ## lint, then the whole suite against real NATS and PostgreSQL
	$(PY) -m pytest

bench: install  ## benchmarks on fresh embedded servers: one table, also in bench-results.json
	$(PY) -m bench.run

faults: install  ## one fault at a time under a lead stream; every invariant checked after each
	$(PY) -m bench.faults
	CRM_FUZZ_EXAMPLES=3000 $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz_requests.py

asyncapi: install  ## regenerate docs/asyncapi.yaml from the contracts
	$(PY) -m crm_shared.asyncapi docs/asyncapi.yaml

openapi: install  ## regenerate docs/openapi.json (the gateway's HTTP API) from its routes
	$(PY) -m gateway.entrypoints.http.openapi docs/openapi.json

vendor: install  ## the board's front-end files from the npm registry, pinned, with a sha256 manifest
	$(PY) -m gateway.entrypoints.web.vendor

clean:
	rm -rf .crm-data .pytest_cache .mypy_cache .ruff_cache
