"""A 429 storm in the middle of a harvest: the sandbox refuses everything for 10 s.

Run: ``.venv/bin/python -m tests.bench.bench_storm`` (or all benchmarks: ``make bench``).
The bench spider fetches ``RUN`` releases; once ``TRIGGER_AFTER`` requests have gone,
``/_sandbox/faults`` starts a storm of ``STORM`` seconds, once without Retry-After (as
Discogs) and once with ``Retry-After: 1``. Figures, from the sandbox's request log:
requests refused by the storm (the extra spend: fewer than 5), releases fetched / asked
(no request lost) and the crawl's exit (the harvest completes).
"""

import sys
import time

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import SANDBOX_ARGS, Figure, api_log, bench_spider, run_figures, workdir

RUN = 150
TRIGGER_AFTER = 40
STORM = 10.0
EXTRA_ALLOWED = 5  # "fewer than 5 extra requests"


def storm(retry_after, label):
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        crawl = bench_spider(sandbox, tmp, 90_000_001, RUN)
        try:
            while len(api_log(sandbox)) < TRIGGER_AFTER and crawl.process.poll() is None:
                time.sleep(0.05)
            sandbox.faults(storm_seconds=STORM, storm_retry_after=retry_after)
            started = time.time()
        finally:
            crawl.finish()
        if crawl.returncode != 0 or crawl.stat("bench/ok") != RUN:
            sys.stderr.write(f"storm {label}: exit {crawl.returncode}\n{crawl.log_tail()}\n")
        entries = api_log(sandbox)
    refused = [e for e in entries if e["fault"] == "storm"]
    resumed = next((e["t"] - started for e in entries if e["t"] > started and e["status"] == 200), float("nan"))
    yield Figure(f"storm {label}: requests refused by the storm / {EXTRA_ALLOWED}", len(refused),
                 EXTRA_ALLOWED, "<", 1.0, f"first 200 after {resumed:.1f} s")
    yield Figure(f"storm {label}: releases fetched / asked", crawl.stat("bench/ok"), RUN, "==", 1.0)
    yield Figure(f"storm {label}: crawls completed / run", int(crawl.returncode == 0 and
                                                             crawl.stat("finish_reason", "") == "finished"),
                 1, "==", 1.0)


def figures():
    yield from storm(None, "without Retry-After")
    yield from storm(1, "with Retry-After: 1")


def main(argv=None):
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
