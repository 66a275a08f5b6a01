"""Two-phase storage: peak memory of a harvest no longer grows with the inventory.

Run: ``.venv/bin/python -m tests.bench.bench_phases`` (or all benchmarks: ``make bench``).
Two real ``seller_inventory`` harvests into SQLite against a sandbox whose window is wide
open (budget lifted to match), both with the seller's own token so pages past 100 are served
(the owner's view, API_FACTS.md §4): SMALL, 1,000 listings over 500 releases, and LARGE,
100,000 listings over 2,000 releases (1,000 pages). Listings reach ``collection_items`` as their
page arrives; those waiting for their release wait in ``pending_listings`` on disk, and release
requests are handed to the scheduler a few at a time, so the harvester's memory is mostly
fixed. Figures, each a ratio measured in this run:

- peak memory, LARGE / SMALL: the crawl process's own ``ru_maxrss`` (``os.wait4``) plus its
  storage writer process's peak, which its log gives (each at its own peak, so at least what
  the two held at once), for 100 times the listings (issue 12: at most 1.3). Memory that grew with the inventory (about 9.5 KB
  a listing before listings waited on disk) would give several times the SMALL figure.
- peak memory of LARGE itself, against issue 12's ceiling of 200 MiB.
- rows stored / rows expected on LARGE: nothing was dropped on the way.
"""

import os
import sqlite3
import sys

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import Figure, run_figures, start_crawl, workdir, writer_peak_kib

SMALL = ("synthetic-1000-500", 1_000, 500)
LARGE = ("synthetic-100000-2000", 100_000, 2_000)
CEILING_MIB = 200  # issue 12: a 100,000-listing harvest's peak
# INFO: storage's closing line gives the writer process's peak memory (harness.writer_peak_kib).
OPEN = {"DISCOGS_RATE_LIMIT": "1000000", "DISCOGS_RATE_PERIOD": "1", "LOG_LEVEL": "INFO"}


def harvest(sandbox, folder, seller, token):
    """Run one harvest of the seller's own inventory to its end; returns its peak RSS in KiB
    (the crawl's and its writer process's)."""
    crawl = start_crawl(["crawl", "seller_inventory"], sandbox, folder, args=[f"seller={seller}", "max_pages=1000"],
                        settings={**OPEN, "DATABASE_URL": f"sqlite:///{folder}/{seller}.db"}, name=seller,
                        token=token)
    _, status, usage = os.wait4(crawl.process.pid, 0)
    crawl.process.returncode = os.waitstatus_to_exitcode(status)
    if crawl.process.returncode != 0:
        sys.exit(f"{seller}: harvest exited {crawl.process.returncode}\n{crawl.log_tail()}")
    return usage.ru_maxrss + writer_peak_kib(crawl)


def stored(folder, seller):
    with sqlite3.connect(f"{folder}/{seller}.db") as connection:
        return [connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("collection_items", "albums")]


def figures():
    tokens = [f"owner-{seller}={seller}" for seller, _, _ in (SMALL, LARGE)]
    with workdir() as folder, SandboxProcess("--window", "1", "--limit-auth", "1000000",
                                             *(arg for token in tokens for arg in ("--token", token))) as sandbox:
        small_rss = harvest(sandbox, folder, SMALL[0], f"owner-{SMALL[0]}")
        large_rss = harvest(sandbox, folder, LARGE[0], f"owner-{LARGE[0]}")
        listings, albums = stored(folder, LARGE[0])

    yield Figure("peak memory, 100,000 listings / 1,000 (two-phase storage)", large_rss / 1024, small_rss / 1024,
                 "<=", 1.3, f"MiB: {large_rss / 1024:.0f} for {LARGE[1]:,} listings, "
                             f"{small_rss / 1024:.0f} for {SMALL[1]:,}")
    yield Figure("peak memory, 100,000 listings / 200 MiB", large_rss / 1024, CEILING_MIB, "<=", 1,
                 f"MiB: {large_rss / 1024:.0f}")
    yield Figure("rows stored / rows expected (100,000 listings, 2,000 albums)", listings + albums,
                 LARGE[1] + LARGE[2], "==", 1)


def main():
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
