"""Cost of the loaders on the recorded brotherlogic pages (322 listings) and the 12 releases.

Run: ``.venv/bin/python -m tests.bench.bench_loaders [--repeat N]``. Prints the time per
1,000 listings for ``load_listing`` as shipped (``JsonSelector``) and with parsel's
``Selector`` in its place (the stock way to feed ``add_jmes``), next to the cost of
decoding the same pages' JSON, which every harvest pays anyway.
"""

import argparse
import json
import time
from pathlib import Path
from unittest import mock

from parsel import Selector

from discogs_harvest import loaders

DATA = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data"


def per_thousand(function, items, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="take the best of N runs (default 5)")
    args = parser.parse_args(argv)

    pages = [(DATA / "inventory" / f"brotherlogic_status-for-sale_per100_page{n}.json").read_text(encoding="utf-8")
             for n in range(1, 5)]
    listings = [listing for page in pages for listing in json.loads(page)["listings"]]
    releases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DATA / "releases").glob("*.json"))]

    decode = min(_time(lambda: [json.loads(page) for page in pages]) for _ in range(args.repeat))
    shipped = per_thousand(loaders.load_listing, listings, args.repeat)
    with mock.patch.object(loaders, "JsonSelector", lambda root: Selector(root=root)):
        stock = per_thousand(loaders.load_listing, listings, args.repeat)
        stock_release = per_thousand(loaders.load_release, releases, args.repeat) / 1000
    release = per_thousand(loaders.load_release, releases, args.repeat) / 1000

    print(f"listings: {len(listings)} from {len(pages)} pages, best of {args.repeat}")
    print(f"  json.loads of the pages      {decode / len(listings) * 1e6:8.1f} ms per 1,000 listings")
    print(f"  load_listing (JsonSelector)  {shipped * 1000:8.1f} ms per 1,000 listings")
    print(f"  load_listing (parsel)        {stock * 1000:8.1f} ms per 1,000 listings"
          f"  ({stock / shipped:.2f}x)")
    print(f"  100,000 listings             {shipped * 100:8.1f} s  (parsel: {stock * 100:.1f} s)")
    print(f"releases: {len(releases)}")
    print(f"  load_release (JsonSelector)  {release * 1e3:8.2f} ms per release"
          f"  (parsel: {stock_release * 1e3:.2f} ms)")


def _time(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
