"""The minimal spend: a harvest sends what it needs, plus one retry per injected fault, nothing else.

Run: ``.venv/bin/python -m tests.bench.bench_spend`` (or all benchmarks: ``make bench``).
The real ``seller_inventory`` spider harvests ``SELLER`` from a sandbox that injects
5xx answers, Cloudflare 403 pages, HTML maintenance pages, truncated bodies and dropped
connections (``FAULTS``, seeded). ``PRESTORED`` of the seller's releases are stored
beforehand by the ``release`` spider, so they are fresh and must not be fetched again.

Figure: requests in the sandbox's log / (inventory pages + distinct releases needing a
fetch + requests that met a fault), which must be exactly 1: no 429, no duplicate, no
stray request. Also: releases in the database / distinct releases (nothing lost) and
failed requests (none).
"""

import json
import sqlite3
import sys
import urllib.request
from pathlib import Path

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import SANDBOX_ARGS, TOKEN, Figure, api_log, run_figures, start_crawl, statuses, workdir

SELLER = "synthetic-600-300"
PRESTORED = 50
FAULTS = {"error_rate": 0.03, "cloudflare_rate": 0.01, "nonjson_rate": 0.01, "truncate_rate": 0.01,
          "drop_rate": 0.01, "seed": 7}
# Faults that force a retry; a slow answer (shorter than DOWNLOAD_TIMEOUT) does not.
RETRYING_FAULTS = {"error", "cloudflare", "nonjson", "truncate", "drop"}


def _get(sandbox, path):
    request = urllib.request.Request(sandbox.url + path, headers={
        "User-Agent": "discogs-harvest-bench/1.0", "Authorization": f"Discogs token={TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def inventory_truth(sandbox):
    """``(pages, release ids in first-seen order)`` of SELLER, read before the harvest."""
    release_ids, page, pages = {}, 1, 0
    while True:
        data = _get(sandbox, f"/users/{SELLER}/inventory?status=For+Sale&per_page=100&page={page}")
        pages += 1
        for listing in data["listings"]:
            release_ids.setdefault(listing["release"]["id"])
        if "next" not in data["pagination"].get("urls", {}):
            return pages, list(release_ids)
        page += 1


def stored_releases(database):
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM albums").fetchone()[0]


def figures():
    with SandboxProcess(*SANDBOX_ARGS) as sandbox, workdir() as tmp:
        pages, release_ids = inventory_truth(sandbox)
        prestore = start_crawl(["crawl", "release"], sandbox, tmp,
                               args=["ids=" + ",".join(map(str, release_ids[:PRESTORED]))], name="prestore").finish()
        if prestore.returncode != 0:
            sys.stderr.write(prestore.log_tail())
        sandbox.reset()  # a clean log and window for the harvest
        sandbox.faults(**FAULTS)
        crawl = start_crawl(["crawl", "seller_inventory"], sandbox, tmp, args=[f"seller={SELLER}"],
                            name="harvest").finish()
        if crawl.returncode != 0:
            sys.stderr.write(crawl.log_tail())
        entries = api_log(sandbox)
        stored = stored_releases(Path(tmp) / "bench.db")
    forced = sum(1 for e in entries if e["fault"] in RETRYING_FAULTS)
    needed = pages + len(release_ids) - PRESTORED
    counts = statuses(entries)
    yield Figure("minimal spend: requests sent / (pages + releases + faults)", len(entries), needed + forced,
                 "==", 1.0, f"{pages} pages, {len(release_ids) - PRESTORED} releases, {forced} faults, "
                 f"{counts.get(429, 0)} 429s")
    yield Figure("minimal spend: releases stored / distinct releases", stored, len(release_ids), "==", 1.0)
    yield Figure("minimal spend: failed requests / requests", crawl.stat("harvest/requests/failed"),
                 len(entries), "==", 0)


def main(argv=None):
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
