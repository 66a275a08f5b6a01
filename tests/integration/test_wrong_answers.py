"""Answers that are wrong rather than broken: never a listing called gone on doubt.

One row per case an adversarial run found giving exit 0 while storing nothing or marking
listings that are still for sale unavailable. In every row no listing the sandbox still
lists ends up unavailable, and the harvest either stores what a clean run stores (exit 0)
or exits non-zero with one ``error:`` line.
"""

import sqlite3

import pytest

from discogs_harvest.database import open_database
from tests.integration.crawling import logical_snapshot, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = pytest.mark.timeout(600)

# 8 pages over 30 releases: a stored harvest, so only pages are fetched again (the releases only
# make the first harvest longer: 300 of them took ~0.8 s more of the file's CPU, issue 12)
BIG = "synthetic-800-30"
SMALL = "synthetic-150-60"  # 2 pages: a fresh database, so every release is fetched
FAST_RETRIES = {"DISCOGS_RETRY_TIMES": "2", "DISCOGS_RETRY_BACKOFF_BASE": "0.05", "DISCOGS_RETRY_BACKOFF_MAX": "0.2"}
# A listing the seller has sold since an earlier harvest: a clean run marks it, and only that.
SOLD_ID = 1
INCOMPLETE_PAGES = "error: harvest incomplete: 1 inventory pages failed every retry"
INCOMPLETE_RELEASES = "error: harvest incomplete: 1 releases failed every retry"
UNPROVEN = "error: harvest incomplete: 1 inventories were not proven complete"


def page(number):
    return {"path_regex": "/inventory$", "query_regex": rf"(^|&)page={number}(&|$)"}


def release_path(sandbox):
    first = sandbox_first_release(sandbox)
    return {"path_regex": f"^/releases/{first}$"}, first


def sandbox_first_release(sandbox):
    import json
    import urllib.request

    request = urllib.request.Request(f"{sandbox.url}/users/{SMALL}/inventory?per_page=5",
                                     headers={"User-Agent": "discogs-harvest-tests/1.0"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["listings"][2]["release"]["id"]


# name -> (seller, fault plan (without target), target, expected error line or None for "as a clean run")
CASES = {
    "page 1 answers {}": (BIG, {"rewrite": "empty_object"}, page(1), INCOMPLETE_PAGES),
    "page 2 answers []": (BIG, {"rewrite": "array"}, page(2), INCOMPLETE_PAGES),
    "page 2 is invalid JSON under a JSON type": (BIG, {"rewrite": "bad_json"}, page(2), INCOMPLETE_PAGES),
    "page 3 has listings: null, next link intact": (BIG, {"rewrite": "null_listings"}, page(3), INCOMPLETE_PAGES),
    "page 3 is empty and ends paging, pagination says 8": (BIG, {"rewrite": "end_early"}, page(3),
                                                           INCOMPLETE_PAGES),
    "page 3 is empty, next link intact": (BIG, {"rewrite": "empty_listings"}, page(3), UNPROVEN),
    "page 5 is half a page": (BIG, {"rewrite": "short_page"}, page(5), UNPROVEN),
    "page 2 answers {} once, then well": (BIG, {"rewrite": "empty_object", "max_faults": 1}, page(2), None),
    "a release answers {}": (SMALL, {"rewrite": "empty_object"}, "release", INCOMPLETE_RELEASES),
    "a release answers []": (SMALL, {"rewrite": "array"}, "release", INCOMPLETE_RELEASES),
    "a release is invalid JSON under a JSON type": (SMALL, {"rewrite": "bad_json"}, "release",
                                                    INCOMPLETE_RELEASES),
}


def copy_database(source, target):
    """A consistent copy of a WAL-mode database (its last writes may still be in the -wal file)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def add_sold_listing(database, seller):
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO collection_items (listing_id, collection_id, is_available, is_new, first_seen_at,"
            " last_seen_at) VALUES (?, ?, 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            (SOLD_ID, f"inventory:{seller}"))


@pytest.fixture(scope="module")
def clean(module_sandbox, tmp_path_factory):
    """seller -> (database before the harvest under test, rows after a clean harvest of it)."""
    folder = tmp_path_factory.mktemp("clean")
    prepared = {}
    for seller in (BIG, SMALL):
        before = folder / f"{seller}-before.db"
        if seller == BIG:
            first = crawl("seller_inventory", module_sandbox, before, f"seller={seller}", settings=FAST_RETRIES)
            assert first.returncode == 0, first.stderr[-2000:]
        else:  # releases are fetched by the run under test: start from nothing
            open_database(f"sqlite:///{before}").close()
        add_sold_listing(before, seller)
        after = folder / f"{seller}-after.db"
        copy_database(before, after)
        result = crawl("seller_inventory", module_sandbox, after, f"seller={seller}", settings=FAST_RETRIES)
        assert result.returncode == 0, result.stderr[-2000:]
        assert rows(after, "SELECT is_available FROM collection_items WHERE listing_id = ?", SOLD_ID) == [
            {"is_available": 0}]
        prepared[seller] = (before, logical_snapshot(after))
    return prepared


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_wrong_answer_never_marks_a_listed_record_gone(module_sandbox, clean, tmp_path, case):
    seller, plan, target, expected = CASES[case]
    before, clean_rows = clean[seller]
    database = tmp_path / "harvest.db"
    copy_database(before, database)
    if target == "release":
        target, broken = release_path(module_sandbox)
    module_sandbox.faults(rewrite_rate=1.0, **plan, **target)
    try:
        result = crawl("seller_inventory", module_sandbox, database, f"seller={seller}", settings=FAST_RETRIES)
    finally:
        module_sandbox.faults()

    gone = rows(database, "SELECT listing_id FROM collection_items WHERE is_available = 0 AND listing_id != ?",
                SOLD_ID)
    assert gone == [], "a listing the sandbox still lists was marked unavailable"
    assert "Traceback" not in result.stderr
    if expected is None:
        assert result.returncode == 0, result.stderr[-3000:]
        assert logical_snapshot(database) == clean_rows
    else:
        assert result.returncode == 5, result.stderr[-3000:]
        assert len(result.error_lines) == 1 and result.error_lines[0].startswith(expected), result.error_lines
    if expected and seller == BIG:
        assert rows(database, "SELECT is_available FROM collection_items WHERE listing_id = ?", SOLD_ID) == [
            {"is_available": 1}], "a run that did not prove the whole inventory marked a listing gone"
    if seller == SMALL:
        assert [r["release_id"] for r in rows(database, "SELECT release_id FROM failed_releases")] == [broken]
