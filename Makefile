# Assessor: `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ASSESSOR := $(VENV)/bin/assessor
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 5000
.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS=":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

# requirements-load.txt is requirements.txt plus locust for the load test (kept out of the image).
$(VENV)/.installed: requirements.txt requirements-load.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-load.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create the virtualenv and install pinned dependencies

.PHONY: docker
docker: ## Make sure a Docker engine is running (installs/starts one as root on Debian)
	scripts/ensure-docker

.PHONY: services
services: ## Make sure PostgreSQL, Redis, Chromium and Docker are up (for the tests)
	scripts/ensure-services

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/workspace.js: node_modules/.installed $(wildcard static/src/*.js)
	npm run build --silent

.PHONY: assets
assets: static/dist/workspace.js ## Build the editor bundle (CodeMirror 6 + esbuild) into static/dist/

.PHONY: image
image: install docker ## Build the sandbox image offline (debootstrap) unless it is current
	$(ASSESSOR) sandbox build-image

.PHONY: db
db: install ## Create or migrate the database (SQLite under instance/ by default)
	$(ASSESSOR) db upgrade

.PHONY: demo
demo: install assets image db ## Run the platform with demo data (port: PORT=5000); re-running keeps logins and links
	$(ASSESSOR) challenges sync
	$(ASSESSOR) demo --port $(PORT)
	$(ASSESSOR) run --host 127.0.0.1 --port $(PORT)

.PHONY: lint
lint: install ## Check style with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: format
format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

.PHONY: migrations-check
migrations-check: install ## Upgrade an empty database, then check the models match the migrations
	$(VENV)/bin/pytest -q tests/integration/test_migrations.py

.PHONY: test
test: install services assets image ## Run lint and every test: SQLite, then PostgreSQL (real Docker, Redis, browser)
	$(MAKE) lint
	ASSESSOR_REQUIRE_SERVICES=1 $(VENV)/bin/pytest
	ASSESSOR_REQUIRE_SERVICES=1 TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -m "not docker and not browser and not matrix" tests/unit --ignore=tests/unit/sandbox

USERS ?= 50
DURATION ?= 600
.PHONY: load
load: install services image ## Load test: USERS candidates (50) for DURATION s (600) on gunicorn, PostgreSQL, Redis, 2 workers
	$(PY) bench/load/loadtest.py --users $(USERS) --duration $(DURATION)

.PHONY: test-fast
test-fast: install ## Run the unit tests only (no services needed)
	$(VENV)/bin/pytest -q tests/unit
