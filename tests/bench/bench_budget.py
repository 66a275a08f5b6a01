"""The request budget against the sandbox: alone, two crawls on one token, foreign load.

Run: ``.venv/bin/python -m tests.bench.bench_budget`` (or all benchmarks: ``make bench``).
Each scenario is a real crawl (``tests/bench/budget_spider.py``: only release requests,
so every request is budget) through the project's settings, with a sandbox window of
``LIMIT`` requests per ``PERIOD`` s. Figures come from the sandbox's request log:

- alone: requests in the whole windows of the run / what the limit allows in them
  (>= 0.97 over >= 300 requests), 429s (none), the busiest window (never above the limit);
- two crawls started together with the same token, in two processes: failed requests
  (none), the busiest window of both together, their combined use (>= 0.90), 429s
  (<= 1 % of requests);
- foreign load: another client spends half of every window (``/_sandbox/consume``,
  evenly spread); the harvester's 429s (<= 1 % of its requests) and its use of the half
  left to it.
"""

import sys
import threading
import time

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import (
    LIMIT,
    PERIOD,
    SANDBOX_ARGS,
    Figure,
    api_log,
    bench_spider,
    busiest_window,
    full_windows,
    run_figures,
    statuses,
    workdir,
)

ALONE = 300
EACH = 300
FOREIGN_RUN = 150


def _accepted(entries):
    return [e["t"] for e in entries if e["status"] != 429]


def _failed(crawl):
    return crawl.stat("harvest/requests/failed") + crawl.stat("bench/failed/discogs") + crawl.stat("bench/failed/other")


def _check_crawl(crawl, count, name):
    if crawl.returncode != 0 or crawl.stat("bench/ok") != count:
        sys.stderr.write(f"{name}: exit {crawl.returncode}, {crawl.stat('bench/ok')} of {count} fetched\n"
                         f"{crawl.log_tail()}\n")


def alone():
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        crawl = bench_spider(sandbox, tmp, 90_000_001, ALONE).finish()
        _check_crawl(crawl, ALONE, "alone")
        entries = api_log(sandbox)
    counts = statuses(entries)
    inside, windows = full_windows([e["t"] for e in entries])
    span = entries[-1]["t"] - entries[0]["t"]
    yield Figure("alone: achieved / allowed rate (whole windows)", inside, windows * LIMIT, ">=", 0.97,
                 f"{len(entries)} requests in {span:.1f} s")
    yield Figure("alone: 429s / requests", counts.get(429, 0), len(entries), "==", 0)
    yield Figure("alone: busiest window / limit", busiest_window(_accepted(entries)), LIMIT, "<=", 1.0)
    yield Figure("alone: releases fetched / asked", crawl.stat("bench/ok"), ALONE, "==", 1.0)


def two_processes():
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        first = bench_spider(sandbox, tmp, 90_000_001, EACH, name="first")
        second = bench_spider(sandbox, tmp, 90_500_001, EACH, name="second")
        first.finish(), second.finish()
        for crawl, name in ((first, "first"), (second, "second")):
            _check_crawl(crawl, EACH, name)
        entries = api_log(sandbox)
    counts = statuses(entries)
    accepted = _accepted(entries)
    inside, windows = full_windows(accepted)
    yield Figure("two crawls, one token: failed requests / requests", _failed(first) + _failed(second),
                 len(entries), "==", 0)
    yield Figure("two crawls, one token: releases fetched / asked", first.stat("bench/ok") + second.stat("bench/ok"),
                 2 * EACH, "==", 1.0)
    yield Figure("two crawls, one token: busiest window / limit", busiest_window(accepted), LIMIT, "<=", 1.0)
    yield Figure("two crawls, one token: combined use (whole windows)", inside, windows * LIMIT, ">=", 0.90)
    yield Figure("two crawls, one token: 429s / requests", counts.get(429, 0), len(entries), "<=", 0.01)


def foreign_load():
    """Another client on the same IP spends LIMIT / 2 of every window, one request at a time."""
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        stop = threading.Event()
        interval = PERIOD / (LIMIT / 2)

        def other_client():
            next_at = time.monotonic()
            while not stop.is_set():
                sandbox.consume(1)
                next_at += interval
                stop.wait(max(0.0, next_at - time.monotonic()))

        thread = threading.Thread(target=other_client, daemon=True)
        thread.start()
        time.sleep(PERIOD)  # the other client's share is steady before the harvest starts
        try:
            crawl = bench_spider(sandbox, tmp, 90_000_001, FOREIGN_RUN).finish()
        finally:
            stop.set()
            thread.join()
        _check_crawl(crawl, FOREIGN_RUN, "foreign load")
        entries = api_log(sandbox)
    counts = statuses(entries)
    inside, windows = full_windows(_accepted(entries))
    yield Figure("foreign load: 429s / harvester requests", counts.get(429, 0), len(entries), "<=", 0.01)
    yield Figure("foreign load: releases fetched / asked", crawl.stat("bench/ok"), FOREIGN_RUN, "==", 1.0)
    yield Figure("foreign load: harvester use of the half left", inside, windows * LIMIT / 2, ">=", 0.80)


def figures():
    yield from alone()
    yield from two_processes()
    yield from foreign_load()


def main(argv=None):
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
