import logging

import pytest
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.exceptions import DuplicateItem
from discogs_harvest.items import InventorySnapshotItem
from discogs_harvest.pipelines.dedup import DedupPipeline
from tests.pipelines import factories


@pytest.fixture
def pipeline(crawler):
    return build_from_crawler(DedupPipeline, crawler)


@pytest.mark.parametrize(
    ("first", "again", "message"),
    [
        (factories.listing(1), factories.listing(1, price=99.0), "duplicate listing 1"),
        (factories.release(7), factories.release(7, title="changed"), "duplicate release 7"),
    ],
)
def test_second_item_with_the_same_id_is_dropped_quietly(pipeline, first, again, message):
    assert pipeline.process_item(first) is first
    with pytest.raises(DuplicateItem, match=message) as error:
        pipeline.process_item(again)
    # An expected drop: Scrapy logs it at this level and counts
    # item_dropped_reasons_count/DuplicateItem (see test_chain.py for the real count).
    assert error.value.log_level == "DEBUG"


def test_listings_and_releases_are_counted_apart(pipeline):
    assert pipeline.process_item(factories.listing(5)) is not None
    assert pipeline.process_item(factories.release(5)) is not None  # same number, other kind


@pytest.mark.parametrize(
    "item",
    [InventorySnapshotItem("BrotherLogic", [1, 2], True), factories.listing(None), factories.release(None)],
)
def test_snapshots_and_items_without_an_id_pass_every_time(pipeline, item):
    assert pipeline.process_item(item) is item
    assert pipeline.process_item(item) is item


def test_summary_line_at_close(pipeline, caplog):
    pipeline.process_item(factories.listing(1))
    with pytest.raises(DuplicateItem):
        pipeline.process_item(factories.listing(1))
    with caplog.at_level(logging.INFO, logger="discogs_harvest.pipelines.dedup"):
        pipeline.close_spider()
    assert "1 listings and 0 releases kept, 1 duplicate listings and 0 duplicate releases dropped" in caplog.text
