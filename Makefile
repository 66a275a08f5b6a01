# discogs-harvest: everything a newcomer needs, from a machine with only Python.
#   make demo    install, start the sandbox, harvest the recorded seller, print what was stored
#   make test    install and run the test suite (what CI runs)
#   make bench   install and run the benchmarks against the sandbox (prints ratios)
#   make sandbox start the local Discogs-compatible server in the foreground
#   make readme-check  run every command of the README's harvesting, feed and sandbox sections
#                against a sandbox (part of make test too)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST_ARGS ?= -p no:cacheprovider --timeout=300

.PHONY: install test demo bench sandbox readme-check clean

install: $(VENV)/.installed

# Re-run pip only when the pins change; the stamp file records the last good install.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

demo: install
	$(PY) -m discogs_harvest.demo

bench: install
	$(PY) -m tests.bench

sandbox: install
	$(PY) -m discogs_harvest.sandbox --port 8765

readme-check: install
	$(PY) -m pytest $(PYTEST_ARGS) -s tests/integration/test_readme.py

clean:
	rm -rf $(VENV) .pytest_cache
