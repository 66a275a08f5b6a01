"""A harvest that finishes with work undone says so, exits 5, and the next run does that work first."""

import socket

import pytest

from tests.integration.crawling import api_requests, crawl, rows
from tests.integration.inprocess import crawl_in_process

pytestmark = pytest.mark.timeout(180)

SELLER = "synthetic-150-60"
FAST_RETRIES = {"DISCOGS_RETRY_TIMES": "2", "DISCOGS_RETRY_BACKOFF_BASE": "0.05", "DISCOGS_RETRY_BACKOFF_MAX": "0.2"}


def test_a_release_failing_every_retry_is_recorded_reported_and_retried_first(module_sandbox, tmp_path):
    database = tmp_path / "failed.db"
    listing = module_sandbox_listing(module_sandbox)
    broken = listing["release"]["id"]
    module_sandbox.faults(error_rate=1.0, error_codes=[503], path_regex=f"^/releases/{broken}$")
    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}", settings=FAST_RETRIES)
    module_sandbox.faults()  # all off again
    assert result.returncode == 5, result.stderr[-2000:]
    assert result.error_lines == [
        "error: harvest incomplete: 1 releases failed every retry (see the log); run it again to retry them first: "
        f"scrapy crawl seller_inventory -a seller={SELLER} -s DISCOGS_API_URL={module_sandbox.url} "
        f"-s DATABASE_URL=sqlite:///{database} -s DISCOGS_RATE_PERIOD=1 -s DISCOGS_RATE_LIMIT=100 -s LOG_LEVEL=INFO "
        "-s JSONRPC_ENABLED=0 -s DISCOGS_RETRY_TIMES=2 -s DISCOGS_RETRY_BACKOFF_BASE=0.05 "
        "-s DISCOGS_RETRY_BACKOFF_MAX=0.2"]
    assert f"releases failed every retry and will be retried first by the next run: {broken}" in result.stderr
    assert [r["release_id"] for r in rows(database, "SELECT release_id FROM failed_releases")] == [broken]
    # Everything else is stored; the listing of the broken release waits for its album.
    waiting = rows(database, "SELECT album_id FROM collection_items WHERE release_id = ?", broken)
    assert waiting and all(row["album_id"] is None for row in waiting)

    since = len(module_sandbox.log())
    # The next run is checked by what it fetches and stores: in this process.
    result = crawl_in_process("seller_inventory", module_sandbox, database, f"seller={SELLER}",
                              settings=FAST_RETRIES)
    assert result.returncode == 0, result.stderr[-2000:]
    spent = [r["path"] for r in api_requests(module_sandbox, since)]
    # Retried first: scheduled ahead of page 1 (start() yields it first, at a higher priority), so
    # it goes out with page 1, long before phase 2 would fetch it. Both go out at once, on two
    # connections, and which of them the sandbox logs first is the machine's business: under load
    # (CI beside a make test loop) page 1 was logged first once.
    assert f"/releases/{broken}" in spent[:2], spent[:5]
    assert spent.count(f"/releases/{broken}") == 1
    assert rows(database, "SELECT * FROM failed_releases") == []
    assert {r["album_id"] for r in rows(database, "SELECT album_id FROM collection_items WHERE release_id = ?",
                                        broken)} == {str(broken)}


def module_sandbox_listing(sandbox):
    import json
    import urllib.request

    request = urllib.request.Request(f"{sandbox.url}/users/{SELLER}/inventory?per_page=5",
                                     headers={"User-Agent": "discogs-harvest-tests/1.0"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["listings"][3]


@pytest.mark.timeout(60)  # offline must end within ~30 s (the retries of one request), not hang
@pytest.mark.parametrize("spider, argument", [("seller_inventory", f"seller={SELLER}"), ("release", "ids=1,2,3")])
def test_unreachable_api_is_one_line_naming_the_host_and_a_resumable_exit(tmp_path, spider, argument):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class Nowhere:
        url = f"http://127.0.0.1:{port}"

    result = crawl(spider, Nowhere, tmp_path / "x.db", argument)  # the default retries and backoff
    assert result.returncode == 6, result.stderr[-2000:]
    assert len(result.error_lines) == 1, result.stderr[-2000:]
    assert result.error_lines[0].startswith(f"error: cannot reach 127.0.0.1:{port} (Connection was refused")
    assert f"run again once it answers: scrapy crawl {spider} -a {argument}" in result.error_lines[0]
    assert "Traceback" not in result.stderr
    assert rows(tmp_path / "x.db", "SELECT * FROM failed_releases") == []  # not failures: never tried
