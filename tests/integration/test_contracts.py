"""``scrapy check`` runs the callbacks' contracts against the sandbox; ``scrapy parse`` needs no -a."""

import os
import re
import sys

import pytest

from tests import forkserver
from tests.integration.crawling import ROOT, TOKEN

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(120)]


def scrapy(sandbox, tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL"))}
    env.update(DISCOGS_API_URL=sandbox.url, DISCOGS_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    return forkserver.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=100)


def test_scrapy_check_runs_the_contracts(module_sandbox, tmp_path):
    result = scrapy(module_sandbox, tmp_path, "check")
    assert result.returncode == 0, result.stderr
    ran = re.search(r"Ran (\d+) contracts", result.stderr)
    assert ran and int(ran.group(1)) >= 6, result.stderr
    assert result.stderr.rstrip().endswith("OK")
    paths = [entry["path"] for entry in module_sandbox.log()]
    assert "/releases/249504" in paths and "/users/brotherlogic/inventory" in paths


@pytest.mark.parametrize("spider, callback, path, extra", [
    ("release", "parse_release", "/releases/249504", ()),
    ("seller_inventory", "parse_page", "/users/brotherlogic/inventory?per_page=100&page=1", ()),
])
def test_scrapy_parse_without_spider_arguments(module_sandbox, tmp_path, spider, callback, path, extra):
    result = scrapy(module_sandbox, tmp_path, "parse", f"--spider={spider}", "-c", callback,
                    module_sandbox.url + path, *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Scraped Items" in result.stdout
