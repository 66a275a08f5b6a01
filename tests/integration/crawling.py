"""Run ``scrapy crawl`` in a subprocess against a sandbox, as a user would.

A crawl is a separate process (Scrapy's reactor runs once per process), started from the
project root so ``scrapy.cfg`` and our ``crawl`` command apply. Settings that point it at the
sandbox come as ``-s`` options; credentials come through the environment as from ``.env``. In
the suite the process is forked from the worker's warm interpreter (:func:`tests.forkserver.run`:
the same command, its own process, exit status and streams, without Scrapy's imports to pay
again); tests that start a crawl themselves use :func:`tests.forkserver.popen`.

A subprocess costs CPU of its own: 0.47 s for a command refused before the crawl, 0.73 s for a
whole crawl of two releases, which takes 0.06 s in the test process (issue 12, measured under load
on the two-core test machine). Where the process boundary is not what a test is about, use
:func:`tests.integration.inprocess.crawl_in_process` instead: same
arguments, same :class:`CrawlResult`, the same crawl command run in the test process
(``from tests.integration.inprocess import crawl_in_process as crawl``). Keep :func:`crawl` for
exit statuses as the shell sees them, signals, kills, concurrent processes and the quiet
default console (``log_level=None``).
"""

import os
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests import forkserver

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sandbox-token"


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self):
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]

    @property
    def failure(self):
        """What an assertion on a failed crawl should show: every ERROR or CRITICAL record with
        the lines that follow it (a traceback) in full, then the log's last 2,000 characters. A
        bare tail can cut off the one traceback that says why (issue 11: a harvest into
        PostgreSQL that failed once in a make test loop said only "1 answers could not be
        processed")."""
        lines = self.stderr.splitlines()
        kept, inside = [], False
        for line in lines:
            if " ERROR: " in line or " CRITICAL: " in line:
                inside = True
            elif line[:4].isdigit() and line[4:5] == "-":  # the next log record
                inside = False
            if inside:
                kept.append(line)
        errors = "\n".join(kept)
        return f"exit {self.returncode}\n--- errors ---\n{errors}\n--- tail ---\n{self.stderr[-2000:]}"


def crawl(spider, sandbox, database, *args, token=TOKEN, settings=None, feed=None, timeout=180, env=None,
          log_level="INFO"):
    """``args`` are ``name=value`` spider arguments; ``settings`` extra ``-s`` values (a None value
    leaves that setting out); ``env`` extra environment variables (as from ``.env``);
    ``log_level=None`` leaves LOG_LEVEL unset, for the default (quiet) console."""
    command, environ = crawl_command(spider, sandbox, database, *args, token=token, settings=settings, feed=feed,
                                     env=env, log_level=log_level)
    result = forkserver.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)
    return CrawlResult(result.returncode, result.stdout, result.stderr)


def crawl_command(spider, sandbox, database, *args, token=TOKEN, settings=None, feed=None, env=None,
                  log_level="INFO"):
    """The command line and environment :func:`crawl` runs (for tests that start it themselves)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for arg in args:
        command += ["-a", arg]
    if feed:
        command += ["-O", str(feed)]
    merged = {
        "DISCOGS_API_URL": sandbox.url,
        "DATABASE_URL": f"sqlite:///{database}",
        # The test sandboxes run a 1 s window: same arithmetic as Discogs' 60 s, 60x faster.
        "DISCOGS_RATE_PERIOD": "1",
        "DISCOGS_RATE_LIMIT": "100",
        "LOG_LEVEL": log_level,
        "JSONRPC_ENABLED": "0",
        **(settings or {}),
    }
    merged = {name: value for name, value in merged.items() if value is not None}
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "LOG_LEVEL"))}
    environ["DISCOGS_TOKEN"] = token or ""
    environ.update(env or {})
    return command, environ


def rows(database, sql, *params):
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, params)]


def committed(database, sql):
    """Whether ``sql`` finds a row in ``database`` as committed now, read by a connection of its
    own, read-only (WAL: a harvest writing the file is not held up); False while the file or
    its tables do not exist yet."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
    except sqlite3.OperationalError:
        return False
    try:
        return connection.execute(sql).fetchone() is not None
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def kill_when(process, trigger, database=None, ready=None, timeout=120):
    """SIGKILL ``process`` at the first stderr line for which ``trigger(line)`` is true, and,
    given ``ready`` (SQL), only once ``ready`` finds a row in ``database``; returns whether it
    was killed. The log goes on being read meanwhile (the harvest must never block on a full
    pipe) while another thread waits for the row.

    Storage commits on a writer thread of its own (STORAGE_WRITE_THREAD), beside the reactor,
    so what a log line announces may not be committed yet: under load (a make test loop beside
    two busy loops) a kill after page 2's answer found no page checkpointed. ``ready`` names
    the state the test needs before the kill."""
    triggered, killed = threading.Event(), threading.Event()

    def read():
        for line in process.stderr:
            if not triggered.is_set() and trigger(line):
                triggered.set()

    def kill():
        if not triggered.wait(timeout=timeout):
            return
        deadline = time.monotonic() + 60
        while ready and not committed(database, ready) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed.set()

    threads = [threading.Thread(target=read, daemon=True), threading.Thread(target=kill, daemon=True)]
    for thread in threads:
        thread.start()
    process.wait(timeout=timeout)
    triggered.set()  # the killer stops waiting if the process ended first
    for thread in threads:
        thread.join(timeout=10)
    return killed.is_set()


def api_requests(sandbox, since=0):
    """The sandbox's request log, Discogs routes only."""
    return [r for r in sandbox.log(since) if not r["path"].startswith("/_sandbox")]


TIME_COLUMNS = {"created_at", "updated_at", "first_seen_at", "last_seen_at", "fetched_at"}
# Contract tables, by natural keys: surrogate ids (genre, style, track, row ids) depend on the
# order rows were inserted in, which differs between two databases filled by different runs.
LOGICAL_QUERIES = {
    "albums": "SELECT * FROM albums",
    "tracks": "SELECT album_id, sequence, position, title, duration, side, duration_seconds, artist FROM tracks",
    "youtube_videos": "SELECT * FROM youtube_videos",
    "album_videos": "SELECT * FROM album_videos",
    "sellers": "SELECT * FROM sellers",
    "collection_items": "SELECT * FROM collection_items",
    "album_genres": "SELECT l.album_id, g.name FROM album_genres l JOIN genres g ON g.id = l.genre_id",
    "album_styles": "SELECT l.album_id, s.name FROM album_styles l JOIN styles s ON s.id = l.style_id",
    "genres": "SELECT name FROM genres",
    "styles": "SELECT name FROM styles",
}


def logical_snapshot(database):
    """Every contract row by natural keys, without surrogate ids and times: comparable across files.
    A row is its ``(column, value)`` pairs in column-name order; a table's rows are sorted by repr."""
    snapshot = {}
    with sqlite3.connect(database) as connection:
        for table, sql in LOGICAL_QUERIES.items():
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            assert len(set(names)) == len(names), (table, names)
            # The kept columns' places, in name order, worked out once per table rather than per row
            # (issue 12: sorting every row's pairs took half of a 12,000-listing snapshot's time).
            kept = sorted((name, i) for i, name in enumerate(names) if name not in TIME_COLUMNS and not (
                table == "collection_items" and name == "id"))
            snapshot[table] = sorted((tuple((name, row[i]) for name, i in kept) for row in cursor), key=repr)
    return snapshot
