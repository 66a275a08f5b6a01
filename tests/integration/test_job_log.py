"""A pre-crawl error reaches the job's own log (LOG_FILE, as Scrapyd sets it), not only stderr."""

import os
import sys

from tests import forkserver
from tests.integration.crawling import ROOT


def test_a_pre_crawl_error_is_written_to_log_file_too(tmp_path):
    log = tmp_path / "job.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL"))}
    command = [sys.executable, "-m", "scrapy", "crawl", "seller_inventory", "-a", "seller=bad name",
               "-s", f"LOG_FILE={log}", "-s", f"DATABASE_URL=sqlite:///{tmp_path / 'x.db'}"]
    result = forkserver.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    expected = "error: seller 'bad name' is not a Discogs username or seller URL"
    assert result.returncode == 2
    assert expected in result.stderr
    assert expected in log.read_text()
    assert not (tmp_path / "x.db").exists()
