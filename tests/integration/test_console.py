"""The default console of a harvest: its own story in a screenful, Scrapy's boilerplate left out.

A default ``scrapy crawl seller_inventory`` (no ``LOG_LEVEL`` given), and ``make demo``'s
harvest, print at most 15 lines up to "Inventory of X complete: ..." (no listing can be
stored before it: listings wait for their releases, which are requested after it) and at
most 10 after it. ``-L INFO`` still shows everything Scrapy logs.
"""

import os
import subprocess
import sys

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests.integration.crawling import ROOT, crawl

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]

# The README's sandbox settings: 60 requests per 2 s on both sides.
README_SANDBOX = ("--window", "2")
README_SETTINGS = {"DISCOGS_RATE_PERIOD": "2", "DISCOGS_RATE_LIMIT": None}


def split_at_inventory(lines):
    """(lines up to and including "Inventory of ... complete", lines after it)."""
    marks = [i for i, line in enumerate(lines) if "Inventory of brotherlogic complete" in line]
    assert marks, "\n".join(lines)
    return lines[:marks[0] + 1], lines[marks[0] + 1:]


@pytest.fixture(scope="module")
def readme_sandbox():
    with SandboxProcess(*README_SANDBOX) as sandbox:
        yield sandbox


def test_a_default_harvest_prints_its_own_story_only(readme_sandbox, tmp_path):
    result = crawl("seller_inventory", readme_sandbox, tmp_path / "discogs.db", "seller=brotherlogic",
                   settings=README_SETTINGS, log_level=None)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    before, after = split_at_inventory(lines)
    assert len(before) <= 15, result.stderr
    assert len(after) <= 10, result.stderr
    text = result.stderr
    for boilerplate in ("Versions:", "Overridden settings", "Enabled extensions", "Dumping Scrapy stats",
                        "Crawled 0 pages", "Normalise:"):
        assert boilerplate not in text
    assert "324 requests in" in text  # the budget's summary line stays
    assert "Storage: 320 releases and 322 listings stored" in text


def test_a_chosen_log_level_shows_scrapys_lines_again(readme_sandbox, tmp_path):
    result = crawl("release", readme_sandbox, tmp_path / "discogs.db", "ids=249504",
                   settings=README_SETTINGS, log_level="INFO")
    assert result.returncode == 0, result.stderr
    assert "Overridden settings" in result.stderr and "Dumping Scrapy stats" in result.stderr


def test_make_demo_harvest_fits_a_screen(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "LOG_LEVEL"))}
    # The demo writes data/ in its working directory; scrapy finds the project by this variable.
    env["SCRAPY_SETTINGS_MODULE"] = "discogs_harvest.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "discogs_harvest.demo"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$ scrapy crawl"))
    end = next(i for i, line in enumerate(lines) if "(exit status 0" in line)
    before, after = split_at_inventory(lines[:end + 1])
    assert len(before) <= 15 and len(after) <= 10, result.stdout
    assert lines[start + 1:end], "the harvest printed nothing"
