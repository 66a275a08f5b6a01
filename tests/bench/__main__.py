"""``python -m tests.bench [NAME ...]`` (``make bench``): run the benchmarks, print the figures.

Every ``tests/bench/bench_*.py`` module runs, in name order (or only those whose name
contains one of the NAMEs given). A module with a ``figures()`` generator yields
:class:`~tests.bench.harness.Figure` objects: each prints as one line, a ratio with its
threshold, and a failed threshold makes the exit status 1. A module with only
``main()`` shows its output as it is (figures without a threshold).

Every module runs in a process of its own (``python -m tests.bench --figures NAME`` for
the first kind): a harvest's peak memory is read as its ``ru_maxrss``, and on Linux a
child's ``ru_maxrss`` starts from its parent's size at the fork, so one benchmark's memory
(say, two 25,000-row snapshots compared in ``bench_export``) must not be left in the
process that starts the next one's harvests.
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
    if names[:1] == ["--figures"]:
        return figures_of(names[1])
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
            result = subprocess.run([sys.executable, "-m", "tests.bench", "--figures", name], cwd=ROOT)
        else:
            result = subprocess.run([sys.executable, "-m", f"tests.bench.{name}"], cwd=ROOT)
        if result.returncode:
            failed.append(f"{name} (exit {result.returncode})")
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"FAILED: {len(failed)} benchmark(s) with a figure below its threshold: " + "; ".join(failed),
              flush=True)
        return 1
    print("all figures within their thresholds", flush=True)
    return 0


def figures_of(name):
    """Print one module's figures (in this process); 1 if any is below its threshold."""
    module = importlib.import_module(f"tests.bench.{name}")
    ok = True
    for figure in module.figures():
        print(figure.line(), flush=True)
        ok &= figure.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
