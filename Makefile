# The two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Compiled modules and pytest's rewritten test modules are cached (__pycache__, ignored by
# git) even where the shell sets PYTHONDONTWRITEBYTECODE, as some CI images do: without the
# cache every pytest process compiles every test module again (3 of `make unit`'s 12 s).
export PYTHONDONTWRITEBYTECODE :=
PIP_VERSION = $(shell sed -n "s/^pip==\([^ ]*\).*/\1/p" requirements-dev.lock)
LOCKS := requirements.lock requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCKS) | cksum | cut -d' ' -f1)
COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host --annotation-style=line --allow-unsafe pyproject.toml

.PHONY: install lock audit run test test-serial lint unit asyncapi openapi bench faults backup vendor clean

# Exactly the versions of the lock (with their hashes), then the project itself without
# dependencies; `pip check` proves the lock satisfies what pyproject.toml asks.
$(STAMP): pyproject.toml $(LOCKS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

lock:  ## after a change of pyproject.toml's dependencies: both lock files, resolved anew
	$(COMPILE) --output-file requirements.lock
	$(COMPILE) --extra devstack --extra dev --output-file requirements-dev.lock

audit: install  ## known vulnerabilities in the locked versions (skipped, and said, offline)
	$(PY) tools/audit.py requirements-dev.lock

run: install  ## start NATS, Postgres (unless CRM_*_URL is set), migrations and every service
	$(PY) -m crm_shared.devstack.launcher

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services cli tests bench tools
	$(VENV)/bin/lint-imports
	$(PY) tools/audit.py requirements-dev.lock

test: lint  ## lint, then the whole suite on three workers, each with its own NATS and PostgreSQL
	$(PY) -m pytest -n 3 --dist loadfile

test-serial: lint  ## the same suite in one process (one set of servers; slower, for a bisect)
	$(PY) -m pytest

unit: install  ## the pure tier alone (tests/unit: no servers), in seconds
	$(PY) -m pytest -q -p no:schemathesis tests/unit

bench: install  ## benchmarks on fresh embedded servers: one table, also in bench-results.json
	$(PY) -m bench.run

faults: install  ## one fault at a time under a lead stream; every invariant checked after each
	$(PY) -m bench.faults
	CRM_FUZZ_EXAMPLES=3000 CRM_SCHEMATHESIS_EXAMPLES=100 $(PY) -m pytest -q -p no:cacheprovider \
		tests/e2e/test_fuzz_requests.py tests/e2e/test_gateway_schemathesis.py

backup: install  ## an archive of the running dev stack (`make run`) in backups/ (docs/operations.md)
	$(VENV)/bin/crm backup --to backups

asyncapi: install  ## regenerate docs/asyncapi.yaml from the services' routers
	$(PY) -m tools.crm_api docs/asyncapi.yaml

openapi: install  ## regenerate docs/openapi.json (the gateway's HTTP API) from its routes
	$(PY) -m gateway.entrypoints.http.openapi docs/openapi.json

vendor: install  ## the board's front-end files from the npm registry, pinned, with a sha256 manifest
	$(PY) -m gateway.entrypoints.web.vendor

clean:
	rm -rf .crm-data .pytest_cache .mypy_cache .ruff_cache
