"""The owner's inventory export against paging: the same rows for a fraction of the requests.

Run: ``.venv/bin/python -m tests.bench.bench_export`` (or all benchmarks: ``make bench``).
The owner of ``SHOP`` (25,000 listings in every status over 250 releases) harvests it twice with
OAuth-signed requests into two databases: by paging (250 inventory pages) and with ``-a
via=export`` (the export job, a few polls, one download). The sandbox's window is 1 s with room
for 500 requests, so the budget is Discogs' arithmetic, much faster. Figures, each measured in
this run from the sandbox's request log:

- export run's inventory requests / paging run's: identity, inventory pages (or export job,
  polls, download and one listing for the seller object). The releases are the same 250 in both.
- rows the export stored identical to paging's (every contract table, by natural keys, but for the
  columns an export CSV has no field for, as in ``tests/integration/test_owner_scale.py``): 1 or 0.
"""

import sys
import tempfile

from discogs_harvest.sandbox.process import SandboxProcess
from tests.bench.harness import Figure, run_figures
from tests.integration.crawling import logical_snapshot, rows
from tests.integration.owner import BIG_SHOP, BIG_SHOP_SANDBOX, harvest_both, without_export_lacks


def inventory_requests(entries):
    return [e for e in entries if not e["path"].startswith("/releases/")]


def figures():
    with SandboxProcess(*BIG_SHOP_SANDBOX) as sandbox, tempfile.TemporaryDirectory(prefix="discogs-bench-") as tmp:
        sandbox.exports(delay=2.0)
        runs = harvest_both(sandbox, tmp, BIG_SHOP)
        (paged, paged_db), (exported, exported_db) = runs["pages"], runs["export"]
        same = without_export_lacks(logical_snapshot(paged_db)) == without_export_lacks(logical_snapshot(exported_db))
        listings = rows(exported_db, "SELECT COUNT(*) AS n FROM collection_items")[0]["n"]
    by_page, by_export = inventory_requests(paged), inventory_requests(exported)
    yield Figure("export: inventory requests / paging's inventory requests", len(by_export), len(by_page), "<=",
                 0.05, f"all requests: export {len(exported)}, paging {len(paged)} ({listings} listings)")
    yield Figure("export: rows identical to paging's (1 = yes)", int(same), 1, "==", 1.0)


def main(argv=None):
    return 0 if run_figures(figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
