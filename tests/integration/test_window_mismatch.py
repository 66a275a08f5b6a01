"""A DISCOGS_RATE_PERIOD shorter than the server's window: said once, then paced by the real one.

The sandbox counts 20 requests per 30 s; the harvest is told 20 per 1 s. Without the correction it
sends 20 more every few seconds into 429s and breaker openings. With it, a 429 that comes right
after the 1 s period let earlier sends go proves the window longer (the server still counts them),
the harvest says so in one warning and waits for a 60 s window: a few 429s, then no more requests. The harvest is stopped a few seconds after the warning (its next request would wait
about a minute).
"""

import os
import subprocess
import sys
import time

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.crawling import ROOT, TOKEN, api_requests

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(120)]

IDS = ",".join(str(90_000_000 + n) for n in range(40))  # synthetic releases the sandbox generates
WARNING = "DISCOGS_RATE_PERIOD=1 is shorter than the server's window"


def test_a_too_short_period_is_said_once_and_corrected(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "LOG_LEVEL"))}
    env["DISCOGS_TOKEN"] = TOKEN
    with SandboxProcess("--window", "30", "--limit-auth", "20") as sandbox:
        command = [sys.executable, "-m", "scrapy", "crawl", "release", "-a", f"ids={IDS}",
                   "-s", f"DISCOGS_API_URL={sandbox.url}", "-s", f"DATABASE_URL=sqlite:///{tmp_path / 'w.db'}",
                   "-s", "DISCOGS_RATE_PERIOD=1", "-s", "DISCOGS_RATE_LIMIT=20"]
        with forkserver.popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True) as harvest:
            lines = []
            try:
                for line in harvest.stderr:
                    lines.append(line)
                    if WARNING in line:
                        break
                time.sleep(3)  # what it would send next, if anything
                served = api_requests(sandbox)
            finally:
                harvest.kill()
            lines += harvest.stderr.readlines()
    log = "".join(lines)
    warnings = [line for line in lines if "is shorter than the server's window" in line]
    assert len(warnings) == 1, log[-3000:]
    assert "pacing at 20 per 60 s from now on" in warnings[0]
    # Depending on timing the breaker may open on the third 429, before the evidence is long enough;
    # never after the warning, and nothing is sent after it.
    after = log[log.index(warnings[0]) + len(warnings[0]):]
    assert "circuit breaker open" not in after and "Sending one probe" not in after
    assert sum(entry["status"] == 200 for entry in served) == 20
    assert 2 <= sum(entry["status"] == 429 for entry in served) <= 4
