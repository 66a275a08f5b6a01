# discogs-harvest: everything a newcomer needs, from a machine with only Python.
#   make demo    install, start the sandbox, harvest the recorded seller, print what was stored
#   make test    install (with the test pins) and run the test suite (what CI runs)
#   make bench   install and run the benchmarks against the sandbox (prints ratios)
#   make sandbox start the local Discogs-compatible server in the foreground
#   make scrapyd start a Scrapyd on 127.0.0.1:6800 in the foreground (scrapyd.conf)
#   make deploy  build the project's egg and upload it to scrapy.cfg's [deploy] target

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PYTEST_ARGS ?= -p no:cacheprovider --timeout=300
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: install install-test test demo bench sandbox scrapyd deploy clean

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

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

demo: install
	$(PY) -m discogs_harvest.demo

bench: install-test
	$(PY) -m tests.bench

sandbox: install
	$(PY) -m discogs_harvest.sandbox --port 8765

scrapyd: install-test
	$(BIN)/scrapyd

deploy: install-test
	$(BIN)/scrapyd-deploy

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
