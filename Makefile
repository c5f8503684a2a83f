# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Runs a command with DATABASE_URL set: the given one, or an embedded PostgreSQL under .devdb/.
WITHDB := $(BIN)/python scripts/devdb.py

.PHONY: install messages run test check lint format migrate demo totp stopdb clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed." if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --group dev
	touch $(STAMP)

# Compiled translation catalogues, built with polib so that GNU gettext is not needed.
messages: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

migrate: messages
	$(WITHDB) manage.py migrate --noinput

demo: migrate
	DEMO_MODE=1 $(WITHDB) manage.py seed_demo

# With REDIS_URL set, a Celery worker and beat run beside the server and stop with it; without, tasks run inline.
run: demo
	DEMO_MODE=1 $(WITHDB) scripts/run_with_workers.py 127.0.0.1:8000

test: messages
	$(WITHDB) -m pytest $(PYTEST_ARGS)

# Seeds 1,000 then 100,000 synthetic cases in a separate database (vtjportal_bench, recreated each run) and
# times the work queue against the Django admin changelist; writes docs/performance.md. Not part of `test`.
bench: messages
	$(WITHDB) scripts/bench.py $(BENCH_ARGS)

# Ruff, the import contracts (pyproject.toml: apps in layers) and mypy over every app, scripts and vtjportal
# (not the tests). mypy loads the settings, which need a DATABASE_URL; it connects to nothing, so any address
# will do.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=$${DATABASE_URL:-postgres://localhost/mypy} $(BIN)/mypy accounts applications notifications permits scripts vtjportal

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: lint messages
	$(WITHDB) manage.py makemigrations --check --dry-run
	$(WITHDB) -m pytest $(PYTEST_ARGS)

# Prints the current two-factor code of a demo user: make totp USER=officer@demo.vtj.test
totp: $(STAMP)
	DEMO_MODE=1 $(WITHDB) manage.py demo_totp "$(USER)"

stopdb: $(STAMP)
	$(BIN)/python scripts/devdb.py --stop

clean: stopdb
	rm -rf $(VENV) .devdb staticfiles media
