# Two commands do the whole set-up on a fresh machine: `make run` and `make test`.
VENV := .venv
BILAG := $(VENV)/bin/bilag
PYTHON ?= python3

.PHONY: run test test-sqlite bench postgres-server clean

$(BILAG): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip >/dev/null
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(BILAG)

# The main job: a demo company on embedded SQLite, the seed invoices posted, the trial balance printed.
run: $(BILAG)
	$(BILAG) --database demo.sqlite demo

# Debian's PostgreSQL server, for the store tests (the tests start their own throw-away cluster).
postgres-server:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Every test, on SQLite and on a real PostgreSQL server.
test: $(BILAG) postgres-server
	BILAG_REQUIRE_POSTGRES=1 $(VENV)/bin/pytest -q -p no:cacheprovider

test-sqlite: $(BILAG)
	BILAG_TEST_STORES=sqlite $(VENV)/bin/pytest -q -p no:cacheprovider

bench: $(BILAG) postgres-server
	$(VENV)/bin/python bench/post_journal.py

clean:
	rm -rf $(VENV) demo.sqlite* .pytest_cache .hypothesis
