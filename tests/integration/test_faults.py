"""A harvest through every fault the sandbox injects ends with the same rows as a clean run."""

import time

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import api_requests, logical_snapshot
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(240)

SELLER = "synthetic-400-200"
FAULTS = {
    "error_rate": 0.10, "error_codes": [500, 502, 503],
    "slow_rate": 0.02, "slow_seconds": 3,  # past the 1 s DOWNLOAD_TIMEOUT below
    "truncate_rate": 0.03, "nonjson_rate": 0.03, "drop_rate": 0.03, "cloudflare_rate": 0.03,
    "seed": 7,
}
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "1",
    "DISCOGS_RATE_LIMIT": "300",
    # Enough retries that a request failing every one is practically impossible at these rates.
    "DISCOGS_RETRY_TIMES": "8",
    "DISCOGS_RETRY_BACKOFF_BASE": "0.05",
    "DISCOGS_RETRY_BACKOFF_MAX": "0.5",
}


def test_harvest_through_faults_stores_what_a_clean_run_stores(tmp_path):
    with SandboxProcess("--window", "1", "--limit-auth", "1000") as sandbox:
        clean = tmp_path / "clean.db"
        assert crawl("seller_inventory", sandbox, clean, f"seller={SELLER}", settings=SETTINGS).returncode == 0

        sandbox.faults(**FAULTS)
        since = len(sandbox.log())
        faulty = tmp_path / "faulty.db"
        result = crawl("seller_inventory", sandbox, faulty, f"seller={SELLER}", settings=SETTINGS)
        # A slow answer the harvester gave up on is logged when the sandbox finishes it.
        deadline = time.monotonic() + FAULTS["slow_seconds"] + 2
        while not any(e["fault"] == "slow" for e in api_requests(sandbox, since)) and time.monotonic() < deadline:
            time.sleep(0.1)
        log = api_requests(sandbox, since)

    assert result.returncode == 0, result.stderr[-3000:]
    injected = {entry["fault"] for entry in log if entry["fault"]}
    assert injected == {"error", "slow", "truncate", "nonjson", "drop", "cloudflare"}
    assert logical_snapshot(faulty) == logical_snapshot(clean)
