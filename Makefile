# discogs-harvest: everything a newcomer needs, from a machine with only Python.
#   make demo    install, start the sandbox, harvest the recorded seller, print what was stored
#   make test    install (with the test pins) and run the test suite (what CI runs)
#   make bench   install and run the benchmarks against the sandbox (prints ratios)
#   make sandbox start the local Discogs-compatible server in the foreground
#   make readme-check  run every command of the README's harvesting, feed and sandbox sections
#                against a sandbox (part of make test too)
#   make browse  install Datasette (requirements-browse.txt) and browse data/discogs.db on 127.0.0.1
#   make scrapyd start a Scrapyd on 127.0.0.1:6800 in the foreground (scrapyd.conf)
#   make deploy  build the project's egg and upload it to scrapy.cfg's [deploy] target

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST_ARGS ?= -p no:cacheprovider --timeout=300
# pytest-xdist: three workers per core (many tests wait on a sandbox's rate window or a crawl
# process, so one per core leaves cores idle: on a 2-core machine, idle, the suite took 435 s with
# 2 workers, 322 s with 3, 298 s with 4 on 2026-12-02's code; 166 s with 4 and 148 s with 6 on
# 2026-12-03's, a faster machine; 171 s with 4, 169 s with 5, 167 s with 6 on 2026-12-05's before its
# sandbox fork server and scheduler, 156 s with 5 and 146-154 s with 6 after them; on 2026-12-06's,
# 158 s with 8 and 146-160 s with 6 before its Scrapy commands were forked, 128-145 s with 6 after); a file's tests
# stay on one worker, in order (they share its module fixtures: a sandbox, a harvested database).
# `make test PYTEST_WORKERS=` runs serially.
# Not --dist loadgroup: on pytest 9.2 xdist 3.8 silently ignores xdist_group marks
# (pytest-dev/pytest-xdist issue 1386). --no-loadscope-reorder: files go out in collection order,
# which tests/conftest.py starts with the longest files (RUN_FIRST); xdist's default order (most
# tests first) would hand out those one-test files last, and one worker would finish alone.
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(3 * (os.cpu_count() or 1))')
PYTEST_WORKERS ?= -n $(WORKERS) --dist loadfile --no-loadscope-reorder
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
# The suite's processes (4 workers, and the crawls, sandboxes and README commands they start) may
# write bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE=1, as on the issue
# 12 machine): without a __pycache__, each worker rewrote the asserts of every test module (3.5 s of
# CPU to collect the suite, 1.4 s with one) and each process compiled the project's modules again
# (0.08 s of a `scrapy list`'s 0.55 s). The folders are gitignored; Python and pytest check a cached
# file against its source's mtime and size before using it.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

.PHONY: install install-test install-browse test demo bench sandbox readme-check browse scrapyd deploy clean

# Runtime pins only (requirements.txt); the test suite and Scrapyd tooling add requirements-test.txt.
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Re-run pip only when the pins change; the stamp files record the last good install.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) -r requirements-test.txt
	touch $@

# Datasette is optional for users, but the suite tests the browse view with it: install it too.
install-browse: $(VENV)/.installed-browse

$(VENV)/.installed-browse: $(VENV)/.installed requirements-browse.txt
	$(PIP) -r requirements.txt -r requirements-browse.txt
	touch $@

test: install-test install-browse
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

demo: install
	$(PY) -m discogs_harvest.demo

bench: install-test
	$(PY) -m tests.bench

sandbox: install
	$(PY) -m discogs_harvest.sandbox --port 8765

readme-check: install-test
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS) -s tests/integration/test_readme.py tests/integration/test_readme_sandbox.py

# BROWSE_ARGS: e.g. --port 8002, --db path/to/other.db (default: DATABASE_URL's file)
browse: install-browse
	$(PY) -m discogs_harvest.browse $(BROWSE_ARGS)

scrapyd: install-test
	$(BIN)/scrapyd

deploy: install-test
	$(BIN)/scrapyd-deploy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
