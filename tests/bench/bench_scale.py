"""Scale: what a harvest costs the harvester itself, with the request budget out of the way.

Run: ``.venv/bin/python -m tests.bench.bench_scale`` (or all benchmarks: ``make bench``).
Two real ``seller_inventory`` harvests into SQLite, SMALL (1,000 listings over 500 releases)
and LARGE (10,000 listings over 5,000 releases: 100 pages, the most Discogs serves of another
seller's inventory), against a sandbox whose window is wide open, with the budget lifted to
match. Figures, each a ratio measured in this run:

- harvester rate / Discogs' rate: requests per second the harvester sustains on the LARGE
  harvest when nothing holds it back, over the 1 request per second Discogs allows with a
  token. Far above 1 means the budget is the only bottleneck, never our parsing or writing.
- peak memory, LARGE / SMALL: the harvest's peak resident memory (the crawl process's own
  ``ru_maxrss``, from ``os.wait4``, plus its storage writer process's peak, which its log
  gives: each at its own peak, so at least what the two held at once) for ten times the
  listings and releases. Memory that grew
  with the data would give about 10; a harvest whose footprint is mostly fixed gives little
  more than 1.
- rows stored / rows expected on LARGE: nothing was dropped on the way.
"""

import os
import sqlite3
import sys
import time

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import Figure, _dump_stats, api_log, run_figures, start_crawl, workdir, writer_peak_kib

SMALL = ("synthetic-1000-500", 1_000, 500)
LARGE = ("synthetic-10000-5000", 10_000, 5_000)
DISCOGS_RATE = 60 / 60  # requests per second with a token
# INFO: storage's closing line gives the writer process's peak memory (harness.writer_peak_kib).
OPEN = {"DISCOGS_RATE_LIMIT": "1000000", "DISCOGS_RATE_PERIOD": "1", "LOG_LEVEL": "INFO"}


def harvest(sandbox, folder, seller):
    """Run one harvest to its end; returns (stats, peak RSS in KiB, requests, seconds)."""
    since = len(sandbox.log())
    crawl = start_crawl(["crawl", "seller_inventory"], sandbox, folder, args=[f"seller={seller}"],
                        settings={**OPEN, "DATABASE_URL": f"sqlite:///{folder}/{seller}.db"}, name=seller)
    _, status, usage = os.wait4(crawl.process.pid, 0)
    crawl.process.returncode = os.waitstatus_to_exitcode(status)
    if crawl.process.returncode != 0:
        sys.exit(f"{seller}: harvest exited {crawl.process.returncode}\n{crawl.log_tail()}")
    entries = api_log(sandbox, since)
    seconds = entries[-1]["t"] - entries[0]["t"]
    return _dump_stats(crawl.log_tail(200_000)), usage.ru_maxrss + writer_peak_kib(crawl), len(entries), seconds


def stored(folder, seller):
    with sqlite3.connect(f"{folder}/{seller}.db") as connection:
        return [connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("collection_items", "albums")]


def figures():
    with workdir() as folder, SandboxProcess("--window", "1", "--limit-auth", "1000000",
                                             "--warm", LARGE[0]) as sandbox:
        _, small_rss, _, _ = harvest(sandbox, folder, SMALL[0])
        started = time.monotonic()
        _, large_rss, requests, seconds = harvest(sandbox, folder, LARGE[0])
        wall = time.monotonic() - started
        listings, albums = stored(folder, LARGE[0])

    yield Figure("harvester rate / Discogs' rate (requests per second)", requests / seconds, DISCOGS_RATE,
                 ">=", 20, f"{requests} requests in {seconds:.1f} s ({wall:.0f} s with start-up)")
    yield Figure("peak memory, 10x the listings / 1x", large_rss / 1024, small_rss / 1024, "<=", 2.5,
                 f"MiB: {large_rss / 1024:.0f} for {LARGE[1]:,} listings, {small_rss / 1024:.0f} for {SMALL[1]:,}")
    yield Figure("rows stored / rows expected (10,000 listings, 5,000 albums)", listings + albums,
                 LARGE[1] + LARGE[2], "==", 1)


def main():
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
