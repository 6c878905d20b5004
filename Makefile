# `make run` and `make test` do all of their own set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Without DATABASE_URL / REDIS_URL, commands run on the embedded PostgreSQL and Redis.
EMBEDDED := $(PY) -m devtools.embedded exec --

.PHONY: run test lint format fuzz bench bench-ratios load scale-out clean-var backup restore screenshots

# uv (pinned, from PyPI) does the installs: seconds where pip takes half a minute. It is
# bootstrapped into $(VENV)/uv by the pip that comes with $(PYTHON); where that cannot be done
# (no pip beside $(PYTHON), or no uv for this platform) the venv gets its own pip instead and pip
# installs everything, as before.
UV_VERSION := 0.13.9
UV := $(VENV)/uv/bin/uv
# $(call INSTALL,requirements file): into the venv, with uv when the venv has it, else pip.
INSTALL = if [ -x $(UV) ]; then $(UV) pip install --quiet --python $(PY) -r $(1); \
	else $(PY) -m pip install --quiet -r $(1); fi

$(VENV)/bin/activate:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(VENV)/uv uv==$(UV_VERSION) 2>/dev/null && $(UV) --version \
	|| { echo "uv could not be installed: pip does the installs"; rm -rf $(VENV)/uv; \
		$(PY) -m ensurepip --upgrade --default-pip >/dev/null; }

# Stamps: reinstall only when a requirements file changes. `.runtime` is the runtime plus the
# embedded servers (what `make run` needs); `.dev` adds the dev and test tools on top.
# The Docker image installs requirements.txt alone.
$(VENV)/.runtime: requirements.txt requirements-embedded.txt | $(VENV)/bin/activate
	$(call INSTALL,requirements-embedded.txt)
	touch $@

$(VENV)/.dev: requirements.txt requirements-embedded.txt requirements-dev.txt | $(VENV)/bin/activate
	$(call INSTALL,requirements-dev.txt)
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	PORT=$(PORT) exec $(PY) -m devtools.embedded run --port $(PORT)

# The schema linter of tests/contract/test_schema_lint.py: Redocly CLI from the npm registry,
# pinned, in var/redocly. Only `make test` needs it (and so Node); without npm the test skips.
REDOCLY_CLI := @redocly/cli@2.77.0
REDOCLY := var/redocly/.installed-2.77.0
$(REDOCLY):
	@if command -v npm >/dev/null 2>&1; then \
		(mkdir -p var/redocly && npm install --silent --no-audit --no-fund --no-save \
			--prefix var/redocly $(REDOCLY_CLI) && touch $@) \
		|| echo "could not install $(REDOCLY_CLI): the schema lint test is skipped"; \
	else echo "npm not found: the schema lint test is skipped (apt-get install -y npm)"; fi

# The suite on two pytest-xdist workers (the machine's two cores; PostgreSQL shares them), each
# with a test database and a Redis db of its own (tests/pytest_env.py). PYTEST_WORKERS=0 runs it
# in one process.
PYTEST_WORKERS ?= 2
test: $(VENV)/.dev $(REDOCLY)
	$(EMBEDDED) $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Schemathesis in every phase (examples, coverage, fuzzing, stateful) as admin, therapist and
# client, with a bigger budget than `make test` gives it (tests/test_fuzz.py).
FUZZ_EXAMPLES ?= 10
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

# A few minutes: the project's booking create, reminder sends and availability as ratios against a
# ceiling (a trivial create, a trivial task, bare SQL) measured interleaved in the same run, and
# the PSS of the `make run` stack at rest. The last lines are `RATIO ...` and `RATE ...`.
bench-ratios: $(VENV)/.runtime
	$(EMBEDDED) $(PY) bench/ratios.py $(BENCH_ARGS)

# Load test (not a test either): locust in its own venv against gunicorn on a throwaway database.
LOAD_VENV := var/load-venv
LOAD_ARGS ?=
load: $(VENV)/.runtime
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r bench/load-requirements.txt
	$(EMBEDDED) $(PY) bench/load.py $(LOAD_ARGS)

# Scale-out rehearsal (not a test): two web processes, two workers and two beats on one
# PostgreSQL and Redis under the load mix plus due reminders (bench/scale_out.py, ~2 minutes).
SCALE_ARGS ?=
scale-out: $(VENV)/.runtime
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r bench/load-requirements.txt
	$(EMBEDDED) $(PY) bench/scale_out.py $(SCALE_ARGS)

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
