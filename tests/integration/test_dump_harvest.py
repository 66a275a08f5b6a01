"""The harvest uses a data dump: after importing a generated dump that covers a synthetic
3,700-listing seller, a ``-a style=Latin -a enrich=none`` first harvest spends exactly its
inventory page requests and stores exactly the Latin listings. The dump comes from the
sandbox's bucket through ``fetch_dump`` (a range request resumes a partial download)."""

import datetime
import os
import shutil

import pytest
from scrapy.settings import Settings

from discogs_harvest.dump.fetch import fetch_month
from discogs_harvest.dump.importer import ReleaseDumpImporter
from discogs_harvest.dump.selection import Everything
from discogs_harvest.freshness import close_database
from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.sellers import SyntheticSeller
from tests.integration.crawling import api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(300)

SIZE, RELEASES = 3700, 1000
SELLER = f"synthetic-{SIZE}-{RELEASES}"
TODAY = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")


@pytest.fixture(scope="module")
def sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "5000", "--dump-releases", str(RELEASES),
                        "--dump-date", TODAY) as sandbox:
        yield sandbox


def fetch_settings(sandbox):
    return Settings({"DUMP_BASE_URL": f"{sandbox.url}/data", "DUMP_INDEX_URL": f"{sandbox.url}/data/{{year}}/",
                     "USER_AGENT": "discogs-harvest-tests"})


@pytest.fixture(scope="module")
def dump_file(sandbox, tmp_path_factory):
    (path,) = fetch_month(TODAY[:6], str(tmp_path_factory.mktemp("dump")), fetch_settings(sandbox))
    return path


def test_fetch_dump_resumes_a_partial_download_with_a_range_request(sandbox, dump_file, tmp_path):
    whole = open(dump_file, "rb").read()
    part = tmp_path / (os.path.basename(dump_file) + ".part")
    part.write_bytes(whole[:len(whole) // 3])
    since = sandbox.log()[-1]["seq"] if sandbox.log() else 0
    (path,) = fetch_month(TODAY[:6], str(tmp_path), fetch_settings(sandbox))
    assert open(path, "rb").read() == whole and not part.exists()
    ranged = [r for r in sandbox.log(since) if r["path"].endswith("releases.xml.gz")]
    assert [(r.get("range"), r["status"]) for r in ranged] == [(f"bytes={len(whole) // 3}-", 206)]


def test_a_style_filtered_harvest_after_a_dump_import_spends_only_its_pages(sandbox, dump_file, tmp_path):
    database = tmp_path / "harvest.db"
    url = f"sqlite:///{database}"
    settings = Settings({"DATABASE_URL": url, "DUMP_IMPORT_BATCH_SIZE": 500, "STORAGE_BATCH_SIZE": 200})
    state = ReleaseDumpImporter(settings, dump_file, Everything()).run()
    close_database(url)
    assert state.imported == RELEASES

    seller = SyntheticSeller(SELLER, SIZE, RELEASES)
    latin = {seller.listing_id(i) for i in range(SIZE)
             if "Latin" in (gen.synthetic_core(seller.release_id(i))["styles"] or ())}
    assert 0 < len(latin) < SIZE

    shutil.copy(database, tmp_path / "stats.db")
    since = sandbox.log()[-1]["seq"] if sandbox.log() else 0
    result = crawl("seller_inventory", sandbox, database, f"seller={SELLER}", "style=Latin", "enrich=none")
    assert result.returncode == 0, result.stderr[-3000:]
    requests = api_requests(sandbox, since)
    assert {r["path"] for r in requests} == {f"/users/{SELLER}/inventory"}
    assert len(requests) == -(-SIZE // 100)  # 37 pages, no release request
    stored = {r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items")}
    assert stored == latin

    # enrich=stats: the dump decides the filter; only the Latin releases are fetched (for the
    # community figures, prices and images the dump lacks).
    latin_releases = {seller.release_id(i) for i in range(SIZE) if seller.listing_id(i) in latin}
    since = sandbox.log()[-1]["seq"]
    result = crawl("seller_inventory", sandbox, tmp_path / "stats.db", f"seller={SELLER}", "style=Latin",
                   "enrich=stats")
    assert result.returncode == 0, result.stderr[-3000:]
    requests = api_requests(sandbox, since)
    fetched = {int(r["path"].rsplit("/", 1)[1]) for r in requests if r["path"].startswith("/releases/")}
    assert fetched == latin_releases and len(requests) == len(latin_releases) + -(-SIZE // 100)
    enriched = rows(tmp_path / "stats.db", "SELECT source, COUNT(*) AS n FROM albums GROUP BY source ORDER BY source")
    assert enriched == [{"source": "api", "n": len(latin_releases)}, {"source": "dump", "n": RELEASES - len(latin_releases)}]
    stored = {r["listing_id"] for r in rows(tmp_path / "stats.db", "SELECT listing_id FROM collection_items")}
    assert stored == latin
