# `make run` and `make test` do all of their own set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Without DATABASE_URL / REDIS_URL, commands run on the embedded PostgreSQL and Redis.
EMBEDDED := $(PY) -m config.embedded exec --

.PHONY: run test lint format fuzz bench clean-var

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	PORT=$(PORT) exec $(PY) -m config.embedded run --port $(PORT)

test: $(VENV)/.dev
	$(EMBEDDED) $(PY) -m pytest $(PYTEST_ARGS)

# Schemathesis against our own OpenAPI schema with a bigger budget than `make test` gives it.
FUZZ_EXAMPLES ?= 50
fuzz: $(VENV)/.dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(EMBEDDED) $(PY) -m pytest -m fuzz $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean-var:
	rm -rf var/
