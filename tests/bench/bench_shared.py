"""One budget for many processes: three crawls on one token share a window kept in Redis.

Run: ``.venv/bin/python -m tests.bench.bench_shared`` (or all benchmarks: ``make bench``).
Needs Redis (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``). Three release
crawls (``budget_spider.py``) start together with the same token and
``DISCOGS_BUDGET_REDIS_URL``, against a sandbox window of ``LIMIT`` per ``PERIOD`` s.
From the sandbox's log: the busiest moving window of all three together (never above the
limit), their combined use of the window (>= 0.95), 429s (none), releases fetched.
"""

import sys
import uuid

import redis

from discogs_harvest.downloadermiddlewares.redis_window import window_keys
from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import (
    LIMIT,
    PERIOD,
    SANDBOX_ARGS,
    TOKEN,
    Figure,
    api_log,
    bench_spider,
    busiest_window,
    full_windows,
    run_figures,
    statuses,
    workdir,
)
from tests.services import DEFAULT_REDIS, reachable

EACH = 300
PROCESSES = 3


def figures(url=None):
    import os

    url = url or os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    if not reachable(url, 6379):
        print(f"   skipped: no Redis at {url} (set TEST_REDIS_URL)", flush=True)
        return
    egress = f"bench-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url)
    for key in window_keys(token=TOKEN, egress=egress):
        client.delete(key, f"{key}:last")
    client.close()
    settings = {"DISCOGS_BUDGET_REDIS_URL": url, "DISCOGS_BUDGET_EGRESS": egress}
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        crawls = [bench_spider(sandbox, tmp, 92_000_001 + 10_000 * n, EACH, name=f"p{n}", settings=settings)
                  for n in range(PROCESSES)]
        for crawl in crawls:
            crawl.finish(timeout=600)
            if crawl.returncode != 0:
                sys.stderr.write(crawl.log_tail())
        entries = api_log(sandbox)
    accepted = [e["t"] for e in entries if e["status"] != 429]
    inside, windows = full_windows(accepted)
    name = f"{PROCESSES} crawls, one token, Redis budget"
    yield Figure(f"{name}: busiest window / limit", busiest_window(accepted), LIMIT, "<=", 1.0)
    yield Figure(f"{name}: combined use (whole windows)", inside, windows * LIMIT, ">=", 0.95,
                 f"{len(entries)} requests")
    yield Figure(f"{name}: 429s / requests", statuses(entries).get(429, 0), len(entries), "==", 0)
    yield Figure(f"{name}: releases fetched / asked", sum(c.stat("bench/ok") for c in crawls),
                 PROCESSES * EACH, "==", 1.0)


def main(argv=None):
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
