"""The tracks feed without a crawl: the argument, the FEEDS entries it sets, the records, the middleware."""

import asyncio
import json
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_reactor_settings

from discogs_harvest import settings as project_settings
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.items import RELEASE_FEED_FIELDS, TRACK_FEED_FIELDS, ReleaseItem, TrackRecordItem
from discogs_harvest.loaders import load_release
from discogs_harvest.spidermiddlewares.trackfeed import RECORDS, TrackFeedMiddleware
from discogs_harvest.spiders.release import ReleaseSpider
from discogs_harvest.trackfeed import feed_options, parse_feed, track_records

DATA = Path(__file__).resolve().parents[1] / "discogs_harvest" / "sandbox" / "data" / "releases"
TRACK_ITEM = "discogs_harvest.items.TrackItem"


def release(name):
    return load_release(json.loads((DATA / name).read_text(encoding="utf-8")), currency="USD")


@pytest.mark.parametrize("value, expected", [(None, None), ("", None), ("tracks", "tracks"), (" Tracks ", "tracks")])
def test_feed_argument(value, expected):
    assert parse_feed(value) == expected


def test_an_unknown_feed_is_one_line():
    with pytest.raises(HarvestConfigError, match=r"^feed must be one of tracks .*not 'albums'$"):
        parse_feed("albums")


@pytest.mark.parametrize("options, expected", [
    ({"format": "json"}, {"format": "json", "item_classes": [ReleaseItem], "fields": RELEASE_FEED_FIELDS}),
    ({"format": "csv", "item_classes": [TRACK_ITEM]},
     {"format": "csv", "item_classes": [TRACK_ITEM], "fields": TRACK_FEED_FIELDS}),
    ({"item_classes": [TrackRecordItem], "fields": ["title"]}, {"item_classes": [TrackRecordItem], "fields": ["title"]}),
    ({"item_classes": [ReleaseItem]}, {"item_classes": [ReleaseItem], "fields": RELEASE_FEED_FIELDS}),
])
def test_feed_entries_get_their_defaults(options, expected):
    assert feed_options(options, ReleaseItem, RELEASE_FEED_FIELDS) == expected


def spider(tmp_path, feeds, **arguments):
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    settings.update(FEEDS=feeds, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    # As Crawler.crawl_async does: the spider is made before the settings are frozen.
    crawler = Crawler(ReleaseSpider, {**settings, **get_reactor_settings(), "TELNETCONSOLE_ENABLED": False})
    made = ReleaseSpider.from_crawler(crawler, ids="249504", **arguments)
    crawler._apply_settings()
    return crawler, made


def test_feed_tracks_turns_the_spiders_own_feed_into_tracks(tmp_path):
    feeds = {"a.json": {"format": "json"}, "b.json": {"format": "json", "item_classes": [ReleaseItem],
                                                      "fields": ["title"]}}
    crawler, release_spider = spider(tmp_path, feeds, feed="tracks")
    assert release_spider.wants_tracks
    written = crawler.settings.getdict("FEEDS")
    assert written["a.json"]["item_classes"] == [TrackRecordItem]
    assert written["a.json"]["fields"] == TRACK_FEED_FIELDS
    assert written["b.json"]["item_classes"] == [TrackRecordItem]  # the spider's own records, named


def test_without_the_argument_only_a_track_feed_wants_tracks(tmp_path):
    assert not spider(tmp_path, {"a.json": {"format": "json"}})[1].wants_tracks
    assert spider(tmp_path, {"t.csv": {"format": "csv", "item_classes": [TRACK_ITEM]}})[1].wants_tracks


def test_records_are_the_playable_tracks_with_the_release_columns():
    item = release("1161277_stockhausen_index-subtracks_no-videos.json")
    records = track_records(item)
    assert len(records) == 14 and all(r.type == "track" for r in records)  # 5 index rows left out
    first = records[0]
    assert (first.release_id, first.position, first.artist, first.title) == (
        1161277, "1", "Stockhausen", "Chöre Für Doris (1950) Für Chor A Capella: Die Nachtigall")
    assert (first.label, first.catno, first.year, first.country) == (
        "Stockhausen-Verlag", "Stockhausen 1", 2002, "Germany")
    assert first.duration_ms == first.duration_seconds * 1000 == 181_000
    assert [r.version for r in track_records(release("249504_rick-astley_7in_token_2017-11.json"))] == [
        None, "Instrumental"]


async def collect(iterable):
    return [item async for item in iterable]


async def items(*values):
    for value in values:
        yield value


def test_the_middleware_follows_each_release_with_its_tracks_once(tmp_path):
    crawler, release_spider = spider(tmp_path, {"t.csv": {"format": "csv", "item_classes": [TRACK_ITEM]}})
    crawler.spider = release_spider
    crawler.stats.open_spider()
    middleware = TrackFeedMiddleware.from_crawler(crawler)
    item = release("249504_rick-astley_7in_token_2017-11.json")
    out = asyncio.run(collect(middleware.process_spider_output(None, items(item, "other", item))))
    assert [type(value).__name__ for value in out] == [
        "ReleaseItem", "TrackRecordItem", "TrackRecordItem", "str", "ReleaseItem"]
    assert crawler.stats.get_value(RECORDS) == 2


def test_the_middleware_passes_everything_through_when_no_feed_takes_tracks(tmp_path):
    crawler, release_spider = spider(tmp_path, {"a.json": {"format": "json"}})
    crawler.spider = release_spider
    middleware = TrackFeedMiddleware.from_crawler(crawler)
    item = release("249504_rick-astley_7in_token_2017-11.json")
    assert asyncio.run(collect(middleware.process_start(items(item)))) == [item]
    # Scrapy leaves a middleware whose process_spider_output is None out of the responses' chain.
    assert middleware.process_spider_output is None
