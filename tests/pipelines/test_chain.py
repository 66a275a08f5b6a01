"""The four pipelines in real crawls: Scrapy's own counting, close order and close reasons."""

import sqlite3

import pytest

from tests.pipelines import crawl_items


def crawl(database, listing_ids, snapshot_ids, *settings):
    return crawl_items.crawl(f"sqlite:///{database}", ",".join(map(str, listing_ids)),
                             ",".join(map(str, snapshot_ids)), *settings)


def availability(database):
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT listing_id, is_available FROM collection_items"))


@pytest.mark.timeout(180)
def test_three_runs_through_all_pipelines(tmp_path):
    database = tmp_path / "discogs.db"

    # Every listing and the release come twice: Scrapy counts the drops by class.
    stats, _ = crawl(database, [1, 2, 3], [1, 2, 3])
    assert stats["finish_reason"] == "finished"
    assert stats["item_dropped_reasons_count/DuplicateItem"] == 4
    assert stats["harvest/storage/items_stored"] == 4
    assert availability(database) == {1: 1, 2: 1, 3: 1}
    with sqlite3.connect(database) as connection:
        # Listings came before their album and were linked; "funk/soul" stored once, respelled.
        assert {row[0] for row in connection.execute("SELECT album_id FROM collection_items")} == {"551582"}
        assert connection.execute("SELECT name FROM genres").fetchall() == [("Funk / Soul",)]

    # Listing 3 left the inventory: a finished, complete run marks it (after storage flushed).
    stats, _ = crawl(database, [1, 2], [1, 2])
    assert stats["harvest/availability/marked_unavailable"] == 1
    assert availability(database) == {1: 1, 2: 1, 3: 0}

    # A run cut short by CLOSESPIDER_ITEMCOUNT proves nothing about 1 and 2: left as they are.
    stats, log = crawl(database, [3], [3], "CLOSESPIDER_ITEMCOUNT=1")
    assert stats["finish_reason"] == "closespider_itemcount"
    assert "availability left unchanged (the run ended with 'closespider_itemcount')" in log
    assert "harvest/availability/marked_unavailable" not in stats
    assert availability(database)[1] == availability(database)[2] == 1
