"""Fixtures shared by the whole suite: local Discogs sandboxes.

- ``sandbox``: a running sandbox with a short rate window (2 s; 30 requests with
  credentials, 10 without), freshly reset for each test. One process serves the
  whole session (start-up costs about 0.25 s); the fixture resets its log, rate
  windows, faults and mutations and restores these settings before every test.
- ``sandbox_factory``: ``sandbox_factory(*cli_args)`` starts a dedicated sandbox
  (e.g. with ``--token tok=brotherlogic`` or ``--log FILE``); all are stopped at
  teardown.

pytest options belong on the command line (the project has no pytest.ini): ``make
test`` passes them; tests bound their own time with ``pytest.mark.timeout``.
"""

import pytest

from discogs_harvest.freshness import close_database
from discogs_harvest.sandbox.process import SandboxProcess

SANDBOX_SETTINGS = {"window": 2, "limit_auth": 30, "limit_anon": 10, "retry_after": None}
SANDBOX_ARGS = ("--window", "2", "--limit-auth", "30", "--limit-anon", "10")


def pytest_configure(config):
    config.addinivalue_line("markers", "sandbox: the test talks to a local sandbox process over HTTP")


@pytest.fixture(scope="session")
def _session_sandbox():
    with SandboxProcess(*SANDBOX_ARGS) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(_session_sandbox):
    _session_sandbox.reset()
    _session_sandbox.configure(**SANDBOX_SETTINGS)
    return _session_sandbox


@pytest.fixture
def sandbox_factory():
    started = []

    def start(*args):
        sandbox = SandboxProcess(*args).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def database_url(tmp_path):
    """A fresh SQLite file for one test, closed (and forgotten by database_for) afterwards."""
    url = f"sqlite:///{tmp_path / 'discogs.db'}"
    yield url
    close_database(url)
