# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# `make run HOST=0.0.0.0 PORT=5001`; not taken from the environment, where
# HOST is often the machine's name.
HOST := 127.0.0.1
PORT := 5000
# The local itsme test provider that `make run` starts (addons/itsme_sign).
ITSME_LOCAL_PORT := 5077
export HOST_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test lint test-sqlite test-postgres bench system-deps test-deps install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e '.[test,postgres,redis,server]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the app and its tests use: Tesseract with four languages,
# poppler (pdftoppm), and Chromium for the browser tests. Installed when
# missing and running as root; otherwise the command to run is printed.
system-deps:
	@bash scripts/system-deps.sh run

test-deps:
	@bash scripts/system-deps.sh test

run: $(STAMP) system-deps
	$(BIN)/iap-host demo
	$(BIN)/iap-host partner-autocomplete load --sample
	$(BIN)/iap-host lead-generation load --sample
	@echo "Starting the worker and the web server on http://$(HOST):$(PORT)"
	@# Without a real itsme configured, the local test provider plays itsme.
	@# Links in mails and provider callbacks follow HOST and PORT unless
	@# HOST_BASE_URL says otherwise.
	@host=$(HOST); [ "$$host" = 0.0.0.0 ] && host=127.0.0.1; \
	export HOST_BASE_URL=$${HOST_BASE_URL:-http://$$host:$(PORT)}; \
	if [ -z "$$ITSME_DISCOVERY_URL" ]; then \
	  export ITSME_DISCOVERY_URL=http://127.0.0.1:$(ITSME_LOCAL_PORT)/.well-known/openid-configuration \
	    ITSME_CLIENT_ID=$${ITSME_CLIENT_ID:-iap-host-local} ITSME_SERVICE_CODE=$${ITSME_SERVICE_CODE:-IAPHOST_LOCAL}; \
	  $(BIN)/iap-host itsme-sign provider --port $(ITSME_LOCAL_PORT) & provider=$$!; \
	fi; \
	  $(BIN)/iap-host worker & worker=$$!; \
	  trap 'kill -TERM $$worker $$provider 2>/dev/null; wait $$worker $$provider 2>/dev/null; exit 0' EXIT INT TERM; \
	  $(BIN)/iap-host serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) test-deps lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

# The same suite again on PostgreSQL, minus what only the browser or OCR prove.
test-postgres: $(STAMP)
	@if $(BIN)/python scripts/pg_ready.py; then \
	  IAP_TEST_BACKEND=postgresql $(BIN)/pytest -n 2 --dist loadgroup -q \
	    -m "not browser and not ocr" $(PYTEST_ARGS); \
	else echo "PostgreSQL not reachable at $${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}: skipped"; fi

bench: $(STAMP)
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) instance .ruff_cache
