"""Fixtures shared by the whole suite: local Discogs sandboxes.

- ``sandbox``: a running sandbox with a short rate window (2 s; 30 requests with
  credentials, 10 without), freshly reset for each test. One process serves the
  whole session (start-up costs about 0.25 s); the fixture resets its log, rate
  windows, faults and mutations and restores these settings before every test.
- ``sandbox_factory``: ``sandbox_factory(*cli_args)`` starts a dedicated sandbox
  (e.g. with ``--token tok=brotherlogic`` or ``--log FILE``); all are stopped at
  teardown.
- ``database_url``: the one database fixture of the suite. A fresh SQLite file, or, with
  ``TEST_DATABASE_URL=postgresql://...``, a fresh schema in that PostgreSQL database
  (tests/services.py). Tests taking it are marked ``database``, so ``-m database`` runs
  the part of the suite that depends on the backend (``.ci/run`` does, on PostgreSQL).

pytest options belong on the command line (the project has no pytest.ini): ``make
test`` passes them; tests bound their own time with ``pytest.mark.timeout``.
"""

import os
import sys

import pytest
from xdist.scheduler import LoadFileScheduling

# Credentials a developer keeps in their system keyring must not reach the suite (settings read
# the keyring for what the environment lacks, credentials.py): the null backend holds nothing.
# Set before the settings are imported; crawls started by tests inherit it.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

from discogs_harvest.freshness import close_database  # noqa: E402
from tests.services import PostgresSchema, postgres_base_url
from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver

# The files that take most of a worker's time, longest first (rough seconds, summed per file, of
# `make test` with its six workers on an idle two-core machine, 2026-12-05; most wait on a
# sandbox's rate window or run several harvests). They run before every other file: under
# `--dist loadfile` a file is one unit of work, and a long one handed out last keeps one worker
# busy while the others have nothing left to do. The Makefile passes --no-loadscope-reorder, or
# xdist would sort the files by their number of tests, which puts these (one to three tests
# each) at the very end; and LongFilesFirst (below) queues no long file behind a long test.
RUN_FIRST = (
    "tests/integration/test_readme.py",  # ~103: the README's Harvesting section, 24 commands
    "tests/integration/test_readme_sandbox.py",  # ~65
    "tests/integration/test_bad_input.py",  # ~32
    "tests/integration/test_honest_exits.py",  # ~31: exits, interruptions and resumes
    "tests/integration/test_console.py",  # ~29
    "tests/integration/test_claims_crawl.py",  # ~28
    "tests/integration/test_owner_scale.py",  # ~27: two harvests of 12,000 listings
    "tests/integration/test_concurrency.py",  # ~26: two harvests of 1,000-1,200 listings at once, two alone
    "tests/integration/test_resume.py",  # ~26: killed harvests and their resumes
    "tests/downloadermiddlewares/test_redis_window.py",  # ~26
    "tests/test_scrapyd.py",  # ~25
    "tests/integration/test_incomplete.py",  # ~24: the default retries' backoff, offline
    "tests/integration/test_secrets.py",  # ~23
    "tests/integration/test_watching.py",  # ~22
    "tests/integration/test_inventory_filter.py",  # ~22
    "tests/integration/test_phases.py",  # ~22
    "tests/integration/test_enrichment.py",  # ~20
    "tests/extensions/test_jsonrpc_crawl.py",  # ~19
    "tests/downloadermiddlewares/test_crawl.py",  # ~19
    "tests/integration/test_owner.py",  # ~18
    "tests/integration/test_outage.py",  # ~18
    "tests/integration/test_entry_points.py",  # ~17
    "tests/browse/test_datasette.py",  # ~14
    "tests/integration/test_wrong_answers.py",  # ~14
    "tests/integration/test_inprocess.py",  # ~13
    "tests/integration/test_youtube_health.py",  # ~13
    "tests/integration/test_rebuild.py",  # ~13
    "tests/integration/test_dump_harvest.py",  # ~12
    "tests/integration/test_window_mismatch.py",  # ~11
    "tests/test_sortwindows.py",  # ~11
    "tests/integration/test_seller_inventory.py",  # ~10
    "tests/integration/test_keyring.py",  # ~10
    "tests/sandbox/test_watching.py",  # ~9
    "tests/site/test_hugo.py",  # ~9
    "tests/site/test_site.py",  # ~9
    "tests/integration/test_contracts.py",  # ~9
    "tests/integration/test_faults.py",  # ~9
    "tests/dump/test_command.py",  # ~8
    "tests/sandbox/test_process.py",  # ~8
    "tests/sandbox/test_forkserver.py",  # ~8: new interpreters beside forked commands
)

SANDBOX_SETTINGS = {"window": 2, "limit_auth": 30, "limit_anon": 10, "retry_after": None}
SANDBOX_ARGS = ("--window", "2", "--limit-auth", "30", "--limit-anon", "10")


class LongFilesFirst(LoadFileScheduling):
    """``--dist loadfile`` that never queues a long file behind a long test.

    A worker holds its last test until it knows the next one (pytest's ``nextitem``), so xdist
    queues the next file on a worker while that test runs (and keeps two queued while at most two
    tests are pending: xdist/scheduler/loadscope.py, ``_reschedule``). Behind the README's
    100-second test that file waited 100 s while other workers went idle: 2026-12-05, one worker
    of six ran until 178 s, the others stopped at 156-160 s. Here a worker gets its next file
    when one test is left, and a worker whose last test belongs to a RUN_FIRST file gets one of
    the quick files from the end of the queue instead of the next long one, which goes to the
    next worker to free up.
    """

    def _reschedule(self, node):
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        pending = [nodeid for unit in self.assigned_work[node].values()
                   for nodeid, done in unit.items() if not done]
        if len(pending) > 1:
            return
        if pending and self._split_scope(pending[0]) in RUN_FIRST:
            self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
        self._assign_work_unit(node)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return LongFilesFirst(config, log)
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "sandbox: the test talks to a local sandbox process over HTTP")
    config.addinivalue_line("markers", "database: the test takes database_url (runs on TEST_DATABASE_URL's backend)")
    config.addinivalue_line("markers", "postgres: the test needs a PostgreSQL server (tests/services.py)")
    config.addinivalue_line("markers", "redis: the test needs a Redis server (tests/services.py)")
    # Sandboxes and `python -m scrapy` commands are forked from one warm interpreter per worker
    # (tests/forkserver.py).
    if forkserver.ForkServer.available():
        SandboxProcess.launcher = forkserver.ForkServer("sandbox")
        forkserver.SERVER = forkserver.ForkServer("scrapy")


def pytest_unconfigure(config):
    for server in (SandboxProcess.launcher, forkserver.SERVER):
        if server is not None:
            server.stop()
    SandboxProcess.launcher = forkserver.SERVER = None
    # Crawls run in this process leave the reactor's thread pool running (tests/integration/inprocess.py).
    inprocess = sys.modules.get("tests.integration.inprocess")
    if inprocess is not None:
        inprocess.shutdown()


def pytest_collection_modifyitems(config, items):
    missing = [path for path in RUN_FIRST if not (config.rootpath / path).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py RUN_FIRST names files that do not exist: {missing}")
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
    # RUN_FIRST's files first, in its order; the rest as collected (a stable sort: each file's
    # tests keep their order, so its module fixtures are set up once).
    rank = {path: i for i, path in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(RUN_FIRST)))


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


def backend():
    """``postgresql`` when TEST_DATABASE_URL names a PostgreSQL database, else ``sqlite``."""
    return "postgresql" if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres") else "sqlite"


@pytest.fixture
def database_url(tmp_path):
    """A fresh database for one test (SQLite file or PostgreSQL schema), closed (and
    forgotten by database_for) afterwards."""
    if backend() == "postgresql":
        with PostgresSchema(postgres_base_url()) as schema:
            yield schema.url
            close_database(schema.url)
        return
    url = f"sqlite:///{tmp_path / 'discogs.db'}"
    yield url
    close_database(url)
