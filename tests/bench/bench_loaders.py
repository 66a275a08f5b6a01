"""Cost of the loaders on the recorded brotherlogic pages (322 listings) and the 12 releases.

Run: ``.venv/bin/python -m tests.bench.bench_loaders [--repeat N]``. Prints the time per
1,000 listings for ``load_listing`` as shipped (``LeanLoader`` on ``JsonSelector``), with
parsel's ``Selector`` in its place (the stock way to feed ``add_jmes``), and with the same
declarations on a stock ``ItemLoader`` fed by parsel (the loaders before the lean path, as
``tests/test_loaders.py`` builds them), next to the cost of decoding the same pages' JSON,
which every harvest pays anyway; then the same for ``load_release``.
"""

import argparse
import contextlib
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
        with plain_loaders():
            plain = per_thousand(loaders.load_listing, listings, args.repeat)
            plain_release = per_thousand(loaders.load_release, releases, args.repeat) / 1000
    release = per_thousand(loaders.load_release, releases, args.repeat) / 1000
    sellers = {}
    shared = per_thousand(lambda listing: loaders.load_listing(listing, sellers), listings, args.repeat)

    print(f"listings: {len(listings)} from {len(pages)} pages, best of {args.repeat}")
    print(f"  json.loads of the pages      {decode / len(listings) * 1e6:8.1f} ms per 1,000 listings")
    print(f"  load_listing (JsonSelector)  {shipped * 1000:8.1f} ms per 1,000 listings")
    print(f"  load_listing, seller kept    {shared * 1000:8.1f} ms per 1,000 listings  (the spider's sellers dict)")
    print(f"  load_listing (parsel)        {stock * 1000:8.1f} ms per 1,000 listings"
          f"  ({stock / shipped:.2f}x)")
    print(f"  load_listing (stock loader)  {plain * 1000:8.1f} ms per 1,000 listings"
          f"  ({plain / shipped:.2f}x)")
    print(f"  100,000 listings             {shipped * 100:8.1f} s  (stock loader: {plain * 100:.1f} s)")
    print(f"releases: {len(releases)}")
    print(f"  load_release (JsonSelector)  {release * 1e6:8.0f} us per release"
          f"  (parsel: {stock_release * 1e6:.0f} us, stock loader: {plain_release * 1e6:.0f} us,"
          f" {plain_release / release:.2f}x)")


def plain_loaders():
    """The loaders' declarations on stock ``ItemLoader`` s (see tests/test_loaders.py)."""
    from tests.test_loaders import plain

    patches = [mock.patch.object(loaders, name, plain(getattr(loaders, name)))
               for name in ("SellerLoader", "ListingLoader", "ReleaseLoader")]
    stack = contextlib.ExitStack()
    for patch in patches:
        stack.enter_context(patch)
    return stack


def _time(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
