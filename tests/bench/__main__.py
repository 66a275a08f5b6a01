"""``python -m tests.bench [NAME ...]`` (``make bench``): run the benchmarks, print the figures.

Every ``tests/bench/bench_*.py`` module runs, in name order (or only those whose name
contains one of the NAMEs given). A module with a ``figures()`` generator yields
:class:`~tests.bench.harness.Figure` objects: each prints as one line, a ratio with its
threshold, and a failed threshold makes the exit status 1. A module with only
``main()`` is run as a subprocess and its output shown as it is (figures without a
threshold).
"""

import importlib
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.harness import ROOT, handler_override

PACKAGE = Path(__file__).resolve().parent


def modules(names):
    found = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if m.name.startswith("bench_"))
    return [m for m in found if not names or any(n in m for n in names)]


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    if handler_override():
        print("note: settings.py does not enable DiscogsHTTPDownloadHandler for http/https; the benchmark "
              "crawls add it with -s DOWNLOAD_HANDLERS (see discogs_harvest/downloadermiddlewares/handlers.py)",
              flush=True)
    failed = []
    for name in modules(names):
        started = time.monotonic()
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"tests.bench.{name}")
        if hasattr(module, "figures"):
            for figure in module.figures():
                print(figure.line(), flush=True)
                if not figure.ok:
                    failed.append(figure.name)
        else:
            result = subprocess.run([sys.executable, "-m", f"tests.bench.{name}"], cwd=ROOT)
            if result.returncode:
                failed.append(f"{name} (exit {result.returncode})")
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"FAILED: {len(failed)} figure(s) below threshold: " + "; ".join(failed), flush=True)
        return 1
    print("all figures within their thresholds", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
