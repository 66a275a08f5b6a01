"""Cost of version detection (versions.py) on the 12 recorded releases, next to what a release costs anyway.

Run: ``.venv/bin/python -m tests.bench.bench_versions [--repeat N]``. Prints, per release, the time
of ``load_release`` (every harvest pays it), of ``track_rows`` as shipped (with the version
columns) and of ``track_rows`` with detection switched off, and the share detection adds to
loading and mapping a release. Ratios only: measured in one run, on one machine.
"""

import argparse
import json
import time
from pathlib import Path
from unittest import mock

from discogs_harvest.loaders import load_release
from discogs_harvest.pipelines import rows

DATA = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data"


def best_per_release(function, items, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="take the best of N runs (default 20)")
    args = parser.parse_args(argv)
    bodies = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DATA / "releases").glob("*.json"))]
    items = [load_release(body) for body in bodies]
    tracks = sum(len(item.tracks) for item in items)

    load = best_per_release(load_release, bodies, args.repeat)
    shipped = best_per_release(rows.track_rows, items, args.repeat)
    with mock.patch.object(rows, "tracklist_versions", lambda tracks, credits: [None] * len(tracks)):
        without = best_per_release(rows.track_rows, items, args.repeat)
    detection = shipped - without
    print(f"releases: {len(items)} ({tracks} tracklist rows), best of {args.repeat}")
    print(f"  load_release                         {load * 1e3:8.3f} ms per release")
    print(f"  track_rows with the version columns  {shipped * 1e3:8.3f} ms per release")
    print(f"  track_rows without detection         {without * 1e3:8.3f} ms per release")
    print(f"  detection / (load_release + track_rows without it): {detection / (load + without):.2f}")


if __name__ == "__main__":
    main()
