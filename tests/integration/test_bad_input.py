"""Bad input: one ``error:`` line naming the problem, a non-zero exit, and the database untouched.

Failures the ``crawl`` command can see before it starts (spider arguments, ``DATABASE_URL``, a
read-only or locked database file) change nothing at all: every file of the test's folder is
byte-identical afterwards and not one request reaches the sandbox. The tables of bad arguments,
URLs and settings run the crawl command in this process (tests/integration/inprocess.py); a
read-only file, a lock held by another process and the API's refusals (exit 3 and 4) run
``scrapy crawl`` as a subprocess, so exit statuses are also checked as the shell sees them.
Failures only the API can tell (unknown seller, refused token) leave every table as it was except
``harvest_runs``, which gains the one row recording the failed run.
"""

import hashlib
import shutil
import sqlite3
import time

import pytest

from tests.integration.crawling import api_requests, rows
from tests.integration.crawling import crawl as subprocess_crawl
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(60)

SELLER = "synthetic-120-60"


@pytest.fixture(scope="module")
def populated(module_sandbox, tmp_path_factory):
    """A database holding a harvested seller and its releases, copied by each test."""
    database = tmp_path_factory.mktemp("populated") / "discogs.db"
    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(rows(database, "SELECT * FROM collection_items")) == 120
    return database


@pytest.fixture
def database(populated, tmp_path):
    copy = tmp_path / "discogs.db"
    shutil.copyfile(populated, copy)  # the crawl closed it cleanly: no -wal file to carry along
    return copy


def folder_state(folder):
    """Every file under ``folder`` with a hash of its bytes: what "nothing changed" compares."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def tables(database):
    """Every row of every table (times included), by table name."""
    with sqlite3.connect(database) as connection:
        names = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


def assert_one_error_line(result, *fragments):
    assert result.returncode != 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert len(result.error_lines) == 1, result.stderr[-3000:]
    for fragment in fragments:
        assert fragment in result.error_lines[0]


# --- failures found before the crawl: nothing at all changes ----------------------------------

# (spider, spider arguments, what the error line says); {tmp} is the test's folder.
BAD_ARGUMENTS = {
    "no seller": ("seller_inventory", [], "seller is required"),
    "empty seller": ("seller_inventory", ["seller="], "seller is required"),
    "seller with a space": ("seller_inventory", ["seller=Secret Spot"], "'Secret Spot' is not a Discogs username"),
    "seller URL of another site": ("seller_inventory", ["seller=https://example.com/seller/x/profile"],
                                   "is not a Discogs seller page"),
    "release URL as seller": ("seller_inventory", ["seller=https://www.discogs.com/release/1431115"],
                              "is not a Discogs seller page"),
    "seller URL without a name": ("seller_inventory", ["seller=https://www.discogs.com/seller/"],
                                  "is not a Discogs seller page"),
    "unknown status": ("seller_inventory", [f"seller={SELLER}", "status=Gone"], "status 'Gone' is not one of"),
    "max_pages zero": ("seller_inventory", [f"seller={SELLER}", "max_pages=0"], "max_pages must be"),
    "max_pages words": ("seller_inventory", [f"seller={SELLER}", "max_pages=ten"], "max_pages must be"),
    "no ids": ("release", [], "release ids are required"),
    "empty ids": ("release", ["ids="], "no release ids given"),
    "comma only": ("release", ["ids=,"], "no release ids given"),
    "non-numeric id": ("release", ["ids=1431115,abc"], "'abc' is not a Discogs release id"),
    "negative id": ("release", ["ids=-5"], "'-5' is not a Discogs release id"),
    "decimal id": ("release", ["ids=1.5"], "'1.5' is not a Discogs release id"),
    "zero id": ("release", ["ids=0"], "'0' is not a Discogs release id"),
    "ids and ids_file": ("release", ["ids=1", "ids_file={tmp}/ids.txt"], "not both"),
    "missing ids_file": ("release", ["ids_file={tmp}/missing.txt"], "cannot be read: No such file"),
    "ids_file is a folder": ("release", ["ids_file={tmp}"], "cannot be read"),
    "binary ids_file": ("release", ["ids_file={tmp}/binary.txt"], "is not a text file"),
    "empty ids_file": ("release", ["ids_file={tmp}/empty.txt"], "no release ids given"),
    "ids_file with a word": ("release", ["ids_file={tmp}/words.txt"], "'twelve' is not a Discogs release id"),
}


@pytest.mark.parametrize("spider, arguments, message", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_argument(module_sandbox, database, tmp_path, spider, arguments, message):
    (tmp_path / "ids.txt").write_text("1431115\n")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00\x81binary")
    (tmp_path / "empty.txt").write_text("\n \n")
    (tmp_path / "words.txt").write_text("1431115\ntwelve\n")
    before, since = folder_state(tmp_path), len(module_sandbox.log())

    result = crawl(spider, module_sandbox, database, *(a.format(tmp=tmp_path) for a in arguments))

    assert_one_error_line(result, message)
    assert result.returncode == 2
    assert folder_state(tmp_path) == before
    assert api_requests(module_sandbox, since) == []


BAD_URLS = {
    "not a URL": ("data/discogs.db", "is not a URL like sqlite:///"),
    "other database": ("mysql://harvest@localhost/discogs", "scheme 'mysql' is not supported"),
    "PostgreSQL unreachable": ("postgresql://harvest@127.0.0.1:1/discogs", "cannot reach PostgreSQL at 127.0.0.1:1/discogs"),
    "in memory": ("sqlite:///", "in-memory database"),
    "explicit memory": ("sqlite:///:memory:", "in-memory database"),
    "missing folder": ("sqlite:///{tmp}/nowhere/discogs.db", "folder {tmp}/nowhere does not exist"),
    "a folder": ("sqlite:///{tmp}", "is a folder"),
    "not SQLite": ("sqlite:///{tmp}/notes.txt", "{tmp}/notes.txt is not a SQLite database"),
    "query parameter": ("sqlite:///{tmp}/discogs.db?timeout=abc", "has query parameters (timeout)"),
}


BAD_API_URLS = {
    "no scheme": ("127.0.0.1:8765", "DISCOGS_API_URL '127.0.0.1:8765' is not an http(s) URL"),
    "other scheme": ("ftp://api.discogs.com", "is not an http(s) URL"),
    "no host": ("http://", "is not an http(s) URL"),
    "broken IPv6 host": ("http://[::1", "is not an http(s) URL"),
}


@pytest.mark.parametrize("url, message", BAD_API_URLS.values(), ids=BAD_API_URLS.keys())
def test_bad_api_url(module_sandbox, database, tmp_path, url, message):
    before = folder_state(tmp_path)

    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}",
                   settings={"DISCOGS_API_URL": url})

    assert_one_error_line(result, message)
    assert result.returncode == 2
    assert folder_state(tmp_path) == before


BAD_RATES = {
    "zero limit": ({"DISCOGS_RATE_LIMIT": "0"}, "DISCOGS_RATE_LIMIT must be > 0, not '0'"),
    "limit not a number": ({"DISCOGS_RATE_LIMIT": "lots"}, "DISCOGS_RATE_LIMIT 'lots' is not a number"),
    "zero period": ({"DISCOGS_RATE_PERIOD": "0"}, "DISCOGS_RATE_PERIOD must be > 0, not '0'"),
}


@pytest.mark.parametrize("settings, message", BAD_RATES.values(), ids=BAD_RATES.keys())
def test_rate_settings_that_would_switch_pacing_off(module_sandbox, database, tmp_path, settings, message):
    """The budget middleware would disable itself on these (NotConfigured) and the harvest run unpaced."""
    before = folder_state(tmp_path)
    since = len(module_sandbox.log())

    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}", settings=settings)

    assert_one_error_line(result, message)
    assert result.returncode == 2
    assert folder_state(tmp_path) == before
    assert module_sandbox.log(since) == []


@pytest.mark.parametrize("url, message", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_bad_database_url(module_sandbox, database, tmp_path, url, message):
    (tmp_path / "notes.txt").write_text("not a database, and it must stay exactly this\n" * 200)
    before, since = folder_state(tmp_path), len(module_sandbox.log())

    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}",
                   settings={"DATABASE_URL": url.format(tmp=tmp_path)})

    assert_one_error_line(result, message.format(tmp=tmp_path))
    assert result.returncode == 2
    assert folder_state(tmp_path) == before
    assert not (tmp_path / "nowhere").exists()
    assert api_requests(module_sandbox, since) == []


def test_read_only_database(module_sandbox, database, tmp_path):
    database.chmod(0o444)  # refused even when the tests run as root, who could write it
    before, since = folder_state(tmp_path), len(module_sandbox.log())

    result = subprocess_crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}")

    assert_one_error_line(result, f"database {database} is read-only")
    assert result.returncode == 2
    assert folder_state(tmp_path) == before
    assert api_requests(module_sandbox, since) == []


LOCKS = {
    # lock statement, journal mode of the file, DATABASE_LOCK_TIMEOUT (None: the default)
    "immediate, WAL, default wait": ("BEGIN IMMEDIATE", "wal", None),
    "exclusive, WAL": ("BEGIN EXCLUSIVE", "wal", 0.5),
    "exclusive, rollback journal": ("BEGIN EXCLUSIVE", "delete", 0.5),
}


@pytest.mark.parametrize("begin, journal_mode, timeout", LOCKS.values(), ids=LOCKS.keys())
def test_database_locked_by_another_process(module_sandbox, database, tmp_path, begin, journal_mode, timeout):
    with sqlite3.connect(database) as connection:
        assert connection.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone() == (journal_mode,)
    connection.close()
    before, since = folder_state(tmp_path), len(module_sandbox.log())
    settings = {} if timeout is None else {"DATABASE_LOCK_TIMEOUT": timeout}

    # Another process (the crawl is a subprocess; this one holds the lock) writing the file.
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute(begin)
    started = time.monotonic()
    try:
        result = subprocess_crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}", settings=settings)
    finally:
        elapsed = time.monotonic() - started
        holder.execute("ROLLBACK")
        holder.close()

    assert_one_error_line(result, f"database {database} is locked by another process")
    assert result.returncode == 2
    assert elapsed < 60  # the pre-check's wait plus start-up, not the writers' minute (BUSY_TIMEOUT_MS)
    assert folder_state(tmp_path) == before
    assert api_requests(module_sandbox, since) == []


# --- failures only the API can tell: one harvest_runs row, nothing else ------------------------

AFTER_START = {
    "unknown seller": ("seller_inventory", ["seller=no-such-seller-here"], "sandbox-token", 3,
                       "seller_not_found", ("Seller 'no-such-seller-here' not found",)),
    "refused token, inventory": ("seller_inventory", [f"seller={SELLER}"], "not-a-valid-token", 4,
                                 "auth_failed", ("Discogs refused the credentials", "DISCOGS_TOKEN")),
    "refused token, releases": ("release", ["ids=90000000,90000001"], "not-a-valid-token", 4,
                                "auth_failed", ("Discogs refused the credentials", "DISCOGS_TOKEN")),
}


@pytest.mark.parametrize("spider, arguments, token, status, reason, fragments", AFTER_START.values(),
                         ids=AFTER_START.keys())
def test_failure_found_by_the_api(module_sandbox, database, spider, arguments, token, status, reason, fragments):
    before = tables(database)

    result = subprocess_crawl(spider, module_sandbox, database, *arguments, token=token,
                   settings={"STALENESS_MAX_AGE_DAYS": 0})  # releases: ask the API, whatever is stored

    assert_one_error_line(result, *fragments)
    assert result.returncode == status
    after = tables(database)
    runs_before = before.pop("harvest_runs")
    runs_after = after.pop("harvest_runs")
    assert after == before
    [new_run] = [run for run in runs_after if run not in runs_before]
    assert len(runs_after) == len(runs_before) + 1
    (run,) = rows(database, "SELECT spider, finish_reason, finished_at FROM harvest_runs WHERE id = ?", new_run[0])
    assert (run["spider"], run["finish_reason"]) == (spider, reason) and run["finished_at"]
