# The two commands of the README: `make run` and `make test` (both call `make install`).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Django 6.1 needs Python >= 3.12: the first python3.12/3.13 found (pyenv's included).
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3 /usr/local/bin/python3 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint system-deps demo clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is required (Django 6.1)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Debian's chromium for the browser tests and the Pango libraries WeasyPrint needs.
system-deps:
	@command -v chromium >/dev/null && ldconfig -p | grep -q libpango-1.0 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core >/dev/null; }

run: install
	mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

test: install system-deps
	$(PY) -m pytest -m "not celery_worker" $(PYTEST_ARGS)

lint: install
	mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	DEBUG=0 SECRET_KEY=lint-check-$$RANDOM-not-a-real-secret-but-long-enough-for-django-checks \
	  ALLOWED_HOSTS=servicing.example.com DATABASE_URL=sqlite:///var/check.sqlite3 \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/db.sqlite3 .pytest_cache
