"""CPU per release of a dump import's helper work, phase by phase, on a generated dump.

Run: ``.venv/bin/python -m tests.bench.bench_dump_prepare [--releases N] [--gc off|tuned|default]``.
Prints process CPU time (not wall time: the machine is shared) per release for each phase a
helper process runs on a batch (:func:`discogs_harvest.dump.importer.prepare_batch`): ``lxml``
parsing, :func:`~discogs_harvest.dump.release.release_body`,
:func:`~discogs_harvest.loaders.load_release`, the row builders and statement parameters
(:meth:`~discogs_harvest.dump.writer.DumpWriter.prepare`), then the whole of ``prepare_batch``
and the packing of its batch for the importing process (:meth:`~discogs_harvest.dump.writer.Prepared.pack`);
best of ``--repeat`` runs. ``--gc tuned`` (the default) collects garbage as the import's helpers
do (:func:`~discogs_harvest.dump.importer.tune_gc`), ``default`` as plain CPython, ``off`` not
at all. The dump is the one ``bench_dump`` writes for the same size.
"""

import argparse
import gc
import os
import tempfile
import time

from scrapy.settings import Settings

from tests.bench.bench_dump import dump_path

BATCH = 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=20_000, help="generated dump size (default 20,000)")
    parser.add_argument("--count", type=int, default=5_000, help="releases measured (default 5,000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--gc", choices=("tuned", "default", "off"), default="tuned")
    args = parser.parse_args(argv)

    from discogs_harvest import settings as project_settings
    from discogs_harvest.dump import importer
    from discogs_harvest.dump.reader import DumpReader, parse_batch
    from discogs_harvest.dump.release import release_body
    from discogs_harvest.dump.writer import DumpWriter
    from discogs_harvest.freshness import database_for
    from discogs_harvest.loaders import load_release
    from discogs_harvest.models import utcnow

    records = []
    with DumpReader(dump_path(args.releases)) as reader:
        for _, record in reader.records():
            records.append(record)
            if len(records) >= args.count:
                break
    batches = [records[start:start + BATCH] for start in range(0, len(records), BATCH)]

    settings = Settings()
    settings.setmodule(project_settings, priority="default")
    settings.set("DATABASE_URL", f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='bench-prepare-'), 'x.db')}")
    database_for(settings.get("DATABASE_URL"))
    writer = DumpWriter.for_settings(settings)
    if args.gc == "tuned":
        importer.tune_gc()
    elif args.gc == "off":
        gc.disable()

    def loaded():
        items = [[load_release(body) for body in batch] for batch in bodies]
        for batch in items:
            for item in batch:
                item.source, item.dump_date, item.raw = "dump", "2020-08-06", None
        return items

    best = {}

    def phase(label, function):
        started = time.process_time()
        out = function()
        best[label] = min(best.get(label, float("inf")), time.process_time() - started)
        return out

    for _ in range(args.repeat):
        elements = phase("lxml parse", lambda: [parse_batch(batch) for batch in batches])
        bodies = phase("release_body", lambda: [[release_body(e) for e in batch] for batch in elements])
        items = phase("load_release", loaded)
        now = utcnow()
        phase("rows and parameters", lambda: [writer.prepare(batch, now) for batch in items])
        del elements, bodies, items
        prepared = phase("prepare_batch (all)", lambda: [importer.prepare_batch(b, "2020-08-06", writer)
                                                          for b in batches])
        phase("packed to send", lambda: [batch.pack() for batch in prepared])
        del prepared

    print(f"{len(records):,} releases of a generated dump, gc {args.gc}, best of {args.repeat}, CPU time:")
    for label, seconds in best.items():
        print(f"  {label:22s} {seconds / len(records) * 1e6:7.1f} us/release")


if __name__ == "__main__":
    main()
