# Créneau: `make run` to try it, `make test` to check it, `make bench` to measure it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install run serve worker test lint bench messages translations clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	touch $@

install: $(VENV)/.installed messages

# French is the source language; the English catalogue is compiled beside it.
messages: $(VENV)/.installed
	$(MANAGE) compilemessages --ignore=.venv -v 0

# After changing interface texts: extract them, translate the new entries in locale/en.
translations: $(VENV)/.installed
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=bench -v 0
	msgfmt --statistics -o /dev/null locale/en/LC_MESSAGES/django.po

PORT ?= 8000
# `make run DEBUG=false` answers as production does (the French error pages, no debug
# page), still on http://127.0.0.1: a throwaway secret key, no HTTPS, and the static files
# served by runserver itself (--insecure). A real deployment sets its own
# (docs/administration.md).
ifneq ($(filter false 0 no off,$(DEBUG)),)
run: export SECRET_KEY ?= make-run-without-debug-not-a-secret
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
run: export HTTPS ?= false
# runserver serves the static files as they are: no collectstatic, no hashed names.
run: export STATIC_MANIFEST ?= false
RUNSERVER_OPTIONS := --insecure
endif

run: install
	mkdir -p var
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) demo
	@echo "Créneau: http://127.0.0.1:$(PORT)  (log in as direction / demo)"
	@echo "E-mails: sent by the task worker started beside the server (docs/email.md)"
	@# The task worker and the outbox's retry loop run beside the server, and stop with it.
	$(MANAGE) db_worker --no-reload --interval 1 -v 0 & worker=$$!; \
	$(MANAGE) send_outbox --loop -v 0 & sweeper=$$!; \
	trap 'kill $$worker $$sweeper 2>/dev/null; wait $$worker $$sweeper 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) runserver $(RUNSERVER_OPTIONS) 127.0.0.1:$(PORT)

# Production (docs/deploy.md): gunicorn, WEB_CONCURRENCY processes (one per core by
# default) of GUNICORN_THREADS threads (config/gunicorn.conf.py), static files collected (hashed, compressed) and served
# by whitenoise. Reads the production environment: DEBUG=false (the default here),
# SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL... Run the task worker beside it: make worker.
serve: export DEBUG ?= false
serve: install
	mkdir -p var
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) collectstatic --no-input -v 0
	$(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

# The task worker of production (with its heartbeat, read by /healthz) and the outbox's
# retry loop; one `make worker` per machine that should work the queue.
worker: export DEBUG ?= false
worker: install
	$(MANAGE) send_outbox --loop -v 0 & sweeper=$$!; \
	trap 'kill $$sweeper 2>/dev/null; wait $$sweeper 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(MANAGE) db_worker --no-reload --interval 1 -v 1

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The suite runs on every core (pytest-xdist), each worker on its own test database (SQLite
# file or PostgreSQL test_<name>_gw<n>) and taking whole files; TEST_WORKERS=0 runs it in
# one process.
TEST_WORKERS ?= auto
test: install lint
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.quotes_bench
	$(PY) -m bench.planning_bench
	$(PY) -m bench.invoicing_bench
	$(PY) -m bench.billing_run_bench
	$(PY) -m bench.dunning_bench
	$(PY) -m bench.aged_balance_bench
	$(PY) -m bench.payments_bench
	$(PY) -m bench.sepa_bench
	$(PY) -m bench.fec_bench
	$(PY) -m bench.tax_certificates_bench
	$(PY) -m bench.dashboard_bench
	$(PY) -m bench.portal_load
	$(PY) -m bench.backup_bench
	$(PY) -m bench.scale_out
	$(PY) -m bench.healthz_bench
	$(PY) -m bench.import_bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
