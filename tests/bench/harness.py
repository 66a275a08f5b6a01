"""What the budget benchmarks share: crawls in subprocesses, the sandbox log, figures.

Every benchmark runs a sandbox with a short window (``LIMIT`` requests per ``PERIOD``
seconds: Discogs' arithmetic, twenty times faster) and real crawls against it, as
``python -m scrapy ...`` subprocesses from the project root so the project's settings
apply: our middlewares, AutoThrottle on. What was spent is read from the sandbox's
request log, never from the crawler's own account.
"""

import json
import math
import operator
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sandbox-token"
LIMIT = 30
PERIOD = 3.0
SANDBOX_ARGS = ("--window", str(PERIOD), "--limit-auth", str(LIMIT), "--limit-anon", str(LIMIT))
SPIDER_FILE = Path(__file__).with_name("budget_spider.py")

OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, "==": operator.eq}

# Twisted re-sends a GET on a dropped kept-alive connection behind every middleware's back
# (discogs_harvest/downloadermiddlewares/handlers.py). Until settings.py enables our
# handler, the benchmarks do, and say so.
HANDLER = "discogs_harvest.downloadermiddlewares.handlers.DiscogsHTTPDownloadHandler"
HANDLERS = {"http": HANDLER, "https": HANDLER}


def handler_override():
    """The DOWNLOAD_HANDLERS the benchmarks must add, or None when settings.py has them."""
    from discogs_harvest import settings

    configured = getattr(settings, "DOWNLOAD_HANDLERS", {}) or {}
    return None if all(configured.get(scheme) == HANDLER for scheme in HANDLERS) else dict(HANDLERS)


@dataclass
class Figure:
    """``numerator / denominator`` compared with ``threshold`` by ``op``."""

    name: str
    numerator: float
    denominator: float
    op: str
    threshold: float
    note: str = ""

    @property
    def ratio(self):
        if self.denominator == 0:
            return math.inf if self.numerator else 0.0
        return self.numerator / self.denominator

    @property
    def ok(self):
        return OPS[self.op](round(self.ratio, 9), self.threshold)

    def line(self):
        verdict = "ok" if self.ok else "FAIL"
        note = f"  {self.note}" if self.note else ""
        return (f"{self.name:<62} {self.ratio:7.3f}  ({self.op} {self.threshold:g})  "
                f"{self.numerator:g}/{self.denominator:g}  {verdict}{note}")


# --- crawls ---------------------------------------------------------------------------


@dataclass
class Crawl:
    """A crawl subprocess; ``finish()`` waits for it and returns its stats."""

    process: subprocess.Popen
    stats_file: Path
    log_file: Path
    returncode: int | None = None
    stats: dict | None = None

    def finish(self, timeout=300):
        self.returncode = self.process.wait(timeout=timeout)
        try:
            self.stats = json.loads(self.stats_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.stats = _dump_stats(self.log_tail(200_000))
        return self

    def log_tail(self, chars=3000):
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:]

    def stat(self, name, default=0):
        return (self.stats or {}).get(name, default)


def _dump_stats(log_text):
    """The numbers of Scrapy's "Dumping Scrapy stats" block at the end of a crawl's log."""
    _, _, dump = log_text.rpartition("Dumping Scrapy stats:")
    return {key: float(value) if "." in value else int(value)
            for key, value in re.findall(r"'([^']+)': (-?[0-9.]+)[,}]", dump)}


def _environment(token=TOKEN):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL"))}
    env["DISCOGS_TOKEN"] = token  # from the environment, as from .env: never on a command line
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def start_crawl(command, sandbox, workdir, args=(), settings=None, name="crawl", token=TOKEN):
    """Start ``python -m scrapy <command...>`` against ``sandbox``; returns a :class:`Crawl`.

    ``command`` is e.g. ``["runspider", SPIDER_FILE]`` or ``["crawl", "seller_inventory"]``.
    The crawl's stats come back through the bench spider's ``stats_file`` argument or,
    for the project's spiders, from the log's stats dump (numbers only).
    """
    workdir = Path(workdir)
    stats_file = workdir / f"{name}.stats.json"
    log_file = workdir / f"{name}.log"
    merged = {
        "DISCOGS_API_URL": sandbox.url,
        "DISCOGS_RATE_LIMIT": str(LIMIT),
        "DISCOGS_RATE_PERIOD": str(PERIOD),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "LOG_LEVEL": "INFO",
        "JSONRPC_ENABLED": "0",
        "PROGRESS_ENABLED": "0",
        **(settings or {}),
    }
    override = handler_override()
    if override:
        merged.setdefault("DOWNLOAD_HANDLERS", json.dumps(override))
    argv = [sys.executable, "-m", "scrapy", *map(str, command)]
    for arg in args:
        argv += ["-a", arg]
    if command[0] == "runspider":
        argv += ["-a", f"stats_file={stats_file}"]
    for key, value in merged.items():
        argv += ["-s", f"{key}={value}"]
    log = open(log_file, "w", encoding="utf-8")  # noqa: SIM115 (closed by the child's exit)
    process = subprocess.Popen(argv, cwd=ROOT, env=_environment(token), stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return Crawl(process, stats_file, log_file)


def bench_spider(sandbox, workdir, first, count, name="bench", settings=None, token=TOKEN):
    return start_crawl(["runspider", SPIDER_FILE], sandbox, workdir,
                       args=[f"first={first}", f"count={count}"], settings=settings, name=name, token=token)


def workdir():
    return tempfile.TemporaryDirectory(prefix="discogs-bench-")


# --- the sandbox's request log ---------------------------------------------------------


def writer_peak_kib(crawl):
    """The peak memory of the crawl's storage writer process (KiB), from the storage line of its
    log (``LOG_LEVEL=INFO``), or 0 when it wrote without one (pipelines/writerprocess.py)."""
    found = re.findall(r"the writer process's peak memory (\d+) KiB", crawl.log_tail(200_000))
    return int(found[-1]) if found else 0


def api_log(sandbox, since=0):
    """The sandbox's request log, Discogs routes only, in arrival order."""
    return [r for r in sandbox.log(since) if not r["path"].startswith("/_sandbox")]


def busiest_window(times, period=PERIOD):
    """The most requests any moving window ``(t - period, t]`` held."""
    times = sorted(times)
    best, low = 0, 0
    for high, t in enumerate(times):
        while times[low] <= t - period:
            low += 1
        best = max(best, high - low + 1)
    return best


def full_windows(times, period=PERIOD):
    """``(requests, windows)``: the requests inside the whole windows after the first one.

    A run spending exactly the limit holds ``limit`` requests in each of them, however it
    spreads them, so ``requests / (windows * limit)`` is the achieved rate over the
    allowed one, without the edge effects of a short run.
    """
    times = sorted(times)
    if len(times) < 2:
        return 0, 0
    windows = math.floor((times[-1] - times[0]) / period)
    end = times[0] + windows * period
    return sum(1 for t in times if t < end), windows


def statuses(entries):
    counts = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return counts


def run_figures(figures):
    """Print each figure as it comes; True when all passed."""
    ok = True
    for figure in figures:
        print(figure.line(), flush=True)
        ok &= figure.ok
    return ok
