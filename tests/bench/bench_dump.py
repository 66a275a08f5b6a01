"""``scrapy import_dump`` end to end on a generated releases dump (``make bench``).

Figures, all from one run on one generated dump of ``BENCH_DUMP_RELEASES`` releases (default
200,000; the dump is written once into the temporary directory and reused):

- full import into SQLite: releases/s against the 5,000/s goal, and the import's peak RSS, also
  against the peak RSS of importing a dump a tenth the size (flat memory: about 1);
- selective import of 1 % of the releases (an id file): its speed-up over the full import
  (goal >= 3);
- kill and resume: the import is killed (SIGKILL) half-way, then run again: total time of the
  two runs against one uninterrupted import (goal <= 1.3: the second run continues from the
  last committed batch instead of starting over).

Each import is ``python -m scrapy import_dump`` in a subprocess; peak RSS is that process's
``ru_maxrss``. The full import's line also gives its CPU time per release (the import and its
helper processes): on a machine other work shares, releases/s says more about the others than
about the import, and the CPU time bounds what the idle machine's cores would give.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tests.bench.harness import ROOT, Figure

RELEASES = int(os.environ.get("BENCH_DUMP_RELEASES", 200_000))
GOAL = 5_000


def dump_path(releases=RELEASES):
    from discogs_harvest.sandbox.dumps import file_name, write_dump

    directory = os.path.join(tempfile.gettempdir(), f"discogs-harvest-bench-dump-{releases}")
    path = os.path.join(directory, file_name("20200806"))
    if not os.path.exists(path):
        print(f"   writing a generated dump of {releases:,} releases ...", flush=True)
        write_dump(directory, releases)
    return path


def command(path, database, *options):
    return ([sys.executable, "-m", "scrapy", "import_dump", path, *options, "-s", f"DATABASE_URL=sqlite:///{database}",
             "-s", "LOG_LEVEL=WARNING"])


def fresh(database):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{database}{suffix}"):
            os.remove(f"{database}{suffix}")


def timed(path, database, *options, kill_after=None):
    """Seconds one import took (or ran before it was killed)."""
    started = time.monotonic()
    process = subprocess.Popen(command(path, database, *options), cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    elapsed = time.monotonic() - started
    if kill_after is None and process.returncode:
        raise RuntimeError(f"import_dump exited {process.returncode}")
    return elapsed


def cpu_seconds():
    """User and system CPU of the finished imports and their helper processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def figures():
    from discogs_harvest.sandbox.generator import SYNTHETIC_BASE

    path, tenth = dump_path(), dump_path(RELEASES // 10)
    work = tempfile.mkdtemp(prefix="bench-dump-")
    database = os.path.join(work, "full.db")
    try:
        timed(tenth, os.path.join(work, "tenth.db"))  # first: ru_maxrss of children is a running maximum
        rss_tenth = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cpu_before = cpu_seconds()
        full = timed(path, database)
        cpu = cpu_seconds() - cpu_before
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        yield Figure(f"import_dump full ({RELEASES:,} releases): releases/s / {GOAL:,}", RELEASES / full, GOAL,
                     ">=", 1.0, f"{RELEASES / full:,.0f} releases/s, {full:.1f} s; CPU {cpu / RELEASES * 1e6:,.0f} "
                     f"us/release (import and helpers: {os.cpu_count()} idle cores would give at most "
                     f"{os.cpu_count() * RELEASES / cpu:,.0f} releases/s)")
        yield Figure("import_dump full: peak RSS MB / 500 MB", rss_mb, 500, "<=", 1.0, f"{rss_mb:.0f} MB")
        yield Figure("import_dump peak RSS: full dump / a tenth of it (memory flat)", rss_mb, rss_tenth, "<=", 1.3,
                     f"{rss_tenth:.0f} MB for {RELEASES // 10:,} releases")

        ids = os.path.join(work, "ids.txt")
        with open(ids, "w") as handle:
            handle.writelines(f"{SYNTHETIC_BASE + n}\n" for n in range(0, RELEASES, 100))
        fresh(database)
        selective = timed(path, database, "--ids", ids)
        yield Figure("import_dump 1 % selective: full time / selective time", full, selective, ">=", 3.0,
                     f"{selective:.1f} s")

        fresh(database)
        first = timed(path, database, kill_after=full / 2)
        second = timed(path, database)
        yield Figure("import_dump killed half-way and resumed: total / uninterrupted", first + second, full, "<=",
                     1.3, f"{first:.1f} s + {second:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for figure in figures():
        print(figure.line())
