# Digi-Amen: `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= digiamen.settings

.PHONY: run test lint bench audit venv dev-venv axe migrate demo messages lock reset clean

# A virtualenv with the locked runtime dependencies; re-installed only when the lock changes.
# The locks list every package, transitive ones included, so pip installs them as listed
# (--no-deps) and resolves nothing: an older pip resolving an extra ("fonttools[woff]")
# would otherwise reach for the newest release on the index and fail the hash check.
# `pip check` then proves the listed set is whole.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes
PIP_CHECK := out="$$($(PY) -m pip check --disable-pip-version-check 2>&1)" || { grep -v '^WARNING: Location' <<<"$$out"; exit 1; }
$(VENV)/.base-installed: requirements/base.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP_INSTALL) -r requirements/base.lock
	@$(PIP_CHECK)
	@touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.base-installed
	@$(PIP_INSTALL) -r requirements/dev.lock
	@$(PIP_CHECK)
	@touch $@

venv: $(VENV)/.base-installed
dev-venv: $(VENV)/.dev-installed

# axe-core, for the browser tests' accessibility checks: the locked version from the npm
# registry, beside the virtualenv (nothing of it is committed).
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE): requirements/axe/package-lock.json requirements/axe/package.json
	@mkdir -p $(VENV)/axe
	@cp requirements/axe/package.json requirements/axe/package-lock.json $(VENV)/axe/
	@npm ci --prefix $(VENV)/axe --ignore-scripts --no-audit --no-fund --silent
	@touch $@
axe: $(AXE)

migrate: venv
	@mkdir -p var && chmod 700 var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py collectstatic --noinput -v 0

demo: migrate
	@$(PY) manage.py load_demo --quiet-if-loaded

# One Python process prepares everything (migrate, static files, demo data, logins): a second
# start serves within a few seconds.
run: venv
	@mkdir -p var && chmod 700 var
	@$(PY) manage.py prepare_demo --port $(PORT)
	@$(PY) manage.py run_huey --workers 1 --flush-locks >/dev/null 2>var/queue.log & \
	  queue=$$!; trap "kill $$queue 2>/dev/null" EXIT INT TERM; \
	  $(VENV)/bin/gunicorn digiamen.wsgi:application --bind 127.0.0.1:$(PORT) \
	    --workers 1 --threads 8 --worker-class gthread --timeout 60 --graceful-timeout 5 \
	    --error-logfile - --log-level warning \
	    --logger-class digiamen.core.gunicorn_logging.AddressFreeLogger

test: dev-venv $(AXE)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy digiamen
	@$(VENV)/bin/lint-imports --no-cache >/dev/null || $(VENV)/bin/lint-imports --no-cache
	@DJANGO_SETTINGS_MODULE=digiamen.test_settings $(VENV)/bin/pytest -q $(PYTEST_ARGS)

lint: dev-venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy digiamen
	@$(VENV)/bin/lint-imports --no-cache

bench: dev-venv
	@$(PY) bench/run.py

# Known vulnerabilities in the pinned dependencies (says so plainly when it cannot ask).
audit: dev-venv
	@$(PY) scripts/audit.py

# Re-extract and compile the translation catalogues (needs GNU gettext).
messages: dev-venv
	@$(PY) manage.py makemessages -l ar -l fr -l en --no-obsolete --ignore '.venv/*' --ignore 'var/*' --no-location
	@$(PY) manage.py compilemessages --ignore '.venv/*'

lock: dev-venv
	@$(VENV)/bin/pip install --quiet uv
	@$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/base.lock
	@$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements/dev.lock

reset:
	rm -rf var/digiamen.sqlite3* var/queue.sqlite3* var/demo-credentials.json var/match-index

clean:
	rm -rf $(VENV) var
