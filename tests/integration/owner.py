"""Running ``scrapy`` commands as an owner would: from a project folder of their own, with ``.env``.

The folder holds a ``scrapy.cfg`` naming the project's settings (the package is found through
``PYTHONPATH``), so ``.env`` is written and read there, never in the repository. Credentials come
only from that ``.env``: the environment passed on has no ``DISCOGS_*`` variable.
"""

import os
import sys
from pathlib import Path

from discogs_harvest.inventory_export import EXPORT_LACKS
from tests import forkserver
from tests.integration.crawling import ROOT, CrawlResult, api_requests
from tests.integration.inprocess import run_in_process

SHOP = "shop-400-150"  # 400 listings in every status over 150 releases
CONSUMER = {"DISCOGS_CONSUMER_KEY": "sandbox-key", "DISCOGS_CONSUMER_SECRET": "sandbox-secret"}
OAUTH_TOKEN, OAUTH_SECRET = "owner-oauth-token-Hq4Zr", "owner-oauth-secret-Jw8Pk"
# 25,000 listings in every status over 250 releases (250 pages: past the 100 of another seller's view),
# harvested with a 1 s window of 500 requests: Discogs' arithmetic, much faster.
BIG_SHOP = "shop-25000-250"
BIG_SHOP_SANDBOX = ("--window", "1", "--limit-auth", "500", "--limit-anon", "100",
                    "--oauth-token", f"{OAUTH_TOKEN}:{OAUTH_SECRET}={BIG_SHOP}")
# The suite's owner at scale (tests/integration/test_owner_scale.py): 12,000 listings over 120 releases,
# 120 pages, still past the 100 of another seller's view and one export file of 12,000 rows, for half
# BIG_SHOP's CPU (``make bench``, tests/bench/bench_export.py, keeps the 25,000).
SCALE_SHOP = "shop-12000-120"
SCALE_SHOP_SANDBOX = ("--window", "1", "--limit-auth", "500", "--limit-anon", "100",
                      "--oauth-token", f"{OAUTH_TOKEN}:{OAUTH_SECRET}={SCALE_SHOP}")
FAST = {"DISCOGS_RATE_LIMIT": "500", "LOG_LEVEL": "WARNING", "PROGRESS_ENABLED": "0",
        "DISCOGS_EXPORT_POLL_INTERVAL": "0.5"}
OWNER_ARGS = ("--window", "1", "--limit-auth", "300", "--limit-anon", "100",
              "--oauth-token", f"{OAUTH_TOKEN}:{OAUTH_SECRET}={SHOP}")


def project(folder, **env_values):
    """A project folder with ``scrapy.cfg`` and a ``.env`` holding ``env_values``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scrapy.cfg").write_text("[settings]\ndefault = discogs_harvest.settings\n")
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in env_values.items()))
    return folder


def environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "JSONRPC_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def scrapy_command(*args, sandbox=None, settings=None):
    command = [sys.executable, "-m", "scrapy", *args]
    merged = {"DISCOGS_API_URL": sandbox.url} if sandbox else {}
    merged.update(settings or {})
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def owner_command(sandbox, database, *spider_args, settings=None):
    """The ``scrapy crawl seller_inventory`` command line of :func:`owner_crawl`."""
    args = ["crawl", "seller_inventory"]
    for arg in spider_args:
        args += ["-a", arg]
    merged = {"DATABASE_URL": f"sqlite:///{database}", "DISCOGS_RATE_PERIOD": "1", "DISCOGS_RATE_LIMIT": "300",
              "LOG_LEVEL": "INFO", "DISCOGS_EXPORT_POLL_INTERVAL": "0.2", **(settings or {})}
    return scrapy_command(*args, sandbox=sandbox, settings=merged)


def owner_crawl(folder, sandbox, database, *spider_args, settings=None, timeout=240):
    """``scrapy crawl seller_inventory`` from ``folder`` (credentials from its ``.env``), a process."""
    result = forkserver.run(owner_command(sandbox, database, *spider_args, settings=settings), cwd=folder,
                            env=environment(), capture_output=True, text=True, timeout=timeout)
    return CrawlResult(result.returncode, result.stdout, result.stderr)


def owner_crawl_in_process(folder, sandbox, database, *spider_args, settings=None, timeout=240):
    """:func:`owner_crawl` in this process: the same command line, environment and working folder
    (tests/integration/inprocess.py :func:`run_in_process`), for tests about rows, requests and log
    lines rather than the process."""
    return run_in_process(owner_command(sandbox, database, *spider_args, settings=settings), environment(),
                          cwd=folder, timeout=timeout)


def harvest_both(sandbox, folder, shop):
    """``{"pages": (requests, database), "export": (...)}``: the same inventory harvested both ways."""
    folder = project(Path(folder), **CONSUMER, DISCOGS_OAUTH_TOKEN=OAUTH_TOKEN,
                     DISCOGS_OAUTH_TOKEN_SECRET=OAUTH_SECRET)
    runs = {}
    for via in ("pages", "export"):
        database = folder / f"{via}.db"
        since = sandbox.log()[-1]["seq"] if sandbox.log() else 0
        result = owner_crawl(folder, sandbox, database, f"seller={shop}", f"via={via}", settings=FAST, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"the {via} harvest failed:\n{result.stderr[-3000:]}")
        runs[via] = (api_requests(sandbox, since), database)
    return runs


def without_export_lacks(snapshot):
    """A logical snapshot without the listing columns an export CSV has no field for
    (:data:`discogs_harvest.inventory_export.EXPORT_LACKS`, NULL after an export run)."""
    lacking = set(EXPORT_LACKS)
    return {**snapshot, "collection_items": sorted((tuple(pair for pair in row if pair[0] not in lacking)
                                                    for row in snapshot["collection_items"]), key=repr)}
