# Two commands do the whole set-up on a fresh machine: `make run` and `make test`.
VENV := .venv
BILAG := $(VENV)/bin/bilag
PYTHON ?= python3

.PHONY: run demo test test-sqlite lint mutation bench peers postgres-server browser citus clean
DEMO_USER := demo
DEMO_PASSWORD := demo-password
PORT ?= 8000

$(BILAG): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip >/dev/null
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(BILAG)

# The main job: a demo company on embedded SQLite, the seed invoices posted, the trial balance printed;
# then the web pages and the JSON API serve it, with a demo administrator to sign in as.
run: demo
	BILAG_PASSWORD=$(DEMO_PASSWORD) $(BILAG) --database demo.sqlite -c USMF user add $(DEMO_USER) --role administrator
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as $(DEMO_USER) / $(DEMO_PASSWORD)  (API: /api/, OpenAPI: /openapi.json)"
	$(BILAG) --database demo.sqlite serve --port $(PORT)

# The command-line demo alone.
demo: $(BILAG)
	$(BILAG) --database demo.sqlite demo

# Debian's PostgreSQL server, for the store tests (the tests start their own throw-away cluster).
postgres-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Debian's Chromium, for the browser tests (Playwright drives it; `playwright install` is never run).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi

# Citus for PostgreSQL, built from ../shared/vendor when missing (root: apt-get of the build dependencies).
citus: postgres-server
	scripts/citus-cluster build

# Every test, on SQLite, on a real PostgreSQL server and on a Citus cluster (coordinator + 2 workers), and the
# web pages in Chromium.
test: $(BILAG) postgres-server browser citus
	BILAG_REQUIRE_POSTGRES=1 BILAG_REQUIRE_BROWSER=1 BILAG_TEST_STORES=sqlite,postgresql,citus \
	  $(VENV)/bin/pytest -q -p no:cacheprovider

# The gate (CI runs it before the tests): lint (ruff), no float in money paths, types (mypy on src/).
lint: $(BILAG)
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/python scripts/lint_money.py src/bilag
	$(VENV)/bin/mypy

# Mutation testing of the pure core (slow; not part of `make test`). MODULE narrows the run, e.g.
# `make mutation MODULE='bilag.money*'`; the score counts the mutants checked (docs/mutation-testing.md).
MODULE ?=
mutation: $(BILAG)
	ln -sfn ../shared shared  # the tests run inside mutants/ and look for ../shared from there
	BILAG_TEST_STORES=sqlite $(VENV)/bin/mutmut run --max-children 2 $(if $(MODULE),"$(MODULE)",) || true
	rm -f shared
	$(VENV)/bin/python scripts/mutation_score.py

test-sqlite: $(BILAG)
	BILAG_TEST_STORES=sqlite $(VENV)/bin/pytest -q -p no:cacheprovider

bench: $(BILAG) postgres-server
	$(VENV)/bin/python bench/post_journal.py

# The peers of bench/peers.py, for the benchmark only (not dependencies of bilag): hledger and ledger from Debian,
# beancount in a virtual environment of its own.
peers: $(BILAG)
	@if ! command -v hledger >/dev/null || ! command -v ledger >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hledger ledger >/dev/null; \
	fi
	@if [ ! -x bench/.peers/bin/python ]; then \
	  $(PYTHON) -m venv bench/.peers && bench/.peers/bin/pip install -q beancount==3.2.3; \
	fi
	$(VENV)/bin/python bench/peers.py

clean:
	rm -rf $(VENV) demo.sqlite* .pytest_cache .hypothesis test-screenshots
