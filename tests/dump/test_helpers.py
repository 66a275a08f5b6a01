"""The import's helper processes end with it, even when it is killed."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from discogs_harvest.sandbox.dumps import write_dump
from tests.integration.crawling import ROOT

pytestmark = [pytest.mark.timeout(180),
              pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads processes from /proc")]


def children(pid):
    """Live processes whose parent is ``pid`` (from /proc; zombies are not alive)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def committed(database):
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            return connection.execute("SELECT MAX(offset) FROM dump_imports").fetchone()[0] or 0
    except sqlite3.Error:
        return 0


def test_helpers_end_when_the_import_is_killed(tmp_path):
    database = tmp_path / "discogs.db"
    dump = write_dump(str(tmp_path / "dump"), 3000)
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "import_dump", dump, "-s", f"DATABASE_URL=sqlite:///{database}",
         "-s", "DUMP_IMPORT_BATCH_SIZE=50", "-s", "DUMP_IMPORT_WORKERS=2", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers = []
    try:
        deadline = time.monotonic() + 120
        while not committed(database) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        helpers = children(process.pid)
        assert process.poll() is None and len(helpers) == 2, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 30
        while any(map(alive, helpers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(alive, helpers))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in filter(alive, helpers):  # a failed test leaves no process behind
            os.kill(pid, signal.SIGKILL)
