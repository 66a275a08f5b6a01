import datetime

import pytest
from playhouse.test_utils import count_queries
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from discogs_harvest import freshness
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import database_for, fresh_releases, is_fresh
from discogs_harvest.models import Album
from discogs_harvest.pipelines.storage import StoragePipeline
from tests.pipelines import factories

NOW = datetime.datetime(2026, 11, 21, 12, 0, 0)
DAY = datetime.timedelta(days=1)
TICK = datetime.timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("fetched_at", "max_age_days", "fresh"),
    [
        (None, 7, False),  # never fetched
        (NOW - 7 * DAY, 7, False),  # exactly at the boundary: stale
        (NOW - 7 * DAY + TICK, 7, True),  # just inside
        (NOW - 7 * DAY - TICK, 7, False),  # just outside
        (NOW, 7, True),
        (NOW + DAY, 7, True),  # a clock ahead of ours is still "just fetched"
        (NOW - DAY / 2, 0.5, False),  # fractional days: exactly twelve hours
        (NOW - DAY / 4, 0.5, True),
        (NOW, 0, False),  # 0 days: always fetch again
        (NOW, -1, False),
    ],
)
def test_is_fresh(fetched_at, max_age_days, fresh):
    assert is_fresh(fetched_at, NOW, max_age_days) is fresh


def test_is_fresh_accepts_aware_times():
    now = datetime.datetime(2026, 11, 21, 13, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert is_fresh(NOW - 7 * DAY + TICK, now, 7)
    assert not is_fresh(NOW - 7 * DAY, now, 7)


@pytest.fixture
def stored(database_url):
    """Releases 1..3 stored through the storage pipeline, then given their fetch times."""
    crawler = get_crawler(settings_dict={"DATABASE_URL": database_url, "STORAGE_BATCH_SIZE": 100})
    pipeline = build_from_crawler(StoragePipeline, crawler)
    pipeline.process_item(factories.release(1, genres=["Jazz", "Electronic"], styles=["Easy Listening", "Abstract"]))
    pipeline.process_item(factories.release(2, genres=["Rock"], styles=[]))
    pipeline.process_item(factories.release(3))
    pipeline.close_spider()
    for release_id, fetched_at in ((1, NOW - DAY), (2, NOW - 7 * DAY), (3, None)):
        Album.update(fetched_at=fetched_at).where(Album.discogs_release_id == str(release_id)).execute()
    return database_url


def test_fresh_releases_answers_only_fresh_ones_with_their_genres_and_styles_in_order(stored):
    # 2 is exactly 7 days old (stale), 3 was never fetched, 4 is unknown.
    fmt = factories.release(1).format
    assert fresh_releases([1, 2, 3, 4], 7, now=NOW, database_url=stored) == {
        1: (["Jazz", "Electronic"], ["Easy Listening", "Abstract"], fmt),
    }
    assert fresh_releases(["2", 1], 7.5, now=NOW, database_url=stored) == {
        1: (["Jazz", "Electronic"], ["Easy Listening", "Abstract"], fmt),
        2: (["Rock"], [], fmt),
    }


def test_fresh_releases_with_no_max_age_or_no_ids_reads_nothing(stored):
    with count_queries() as counter:
        assert fresh_releases([1, 2], 0, now=NOW, database_url=stored) == {}
        assert fresh_releases([], 7, now=NOW, database_url=stored) == {}
    assert counter.count == 0


def test_fresh_releases_reads_many_ids_in_chunks(stored, monkeypatch):
    monkeypatch.setattr(freshness, "IN_CHUNK", 1000)
    ids = list(range(1, 25_001))  # 25 chunks, one holds release 1
    with count_queries() as counter:
        assert list(fresh_releases(ids, 7, now=NOW, database_url=stored)) == [1]
    # One album read per chunk; genres and styles only for the chunk that found one.
    assert counter.count == 25 + 2


def test_database_for_opens_each_url_once(database_url):
    assert database_for(database_url) is database_for(database_url)


@pytest.mark.parametrize("url", ["", "data/discogs.db", "mysql://localhost/discogs", "sqlite:////no/such/dir/x.db"])
def test_database_for_a_bad_url_is_one_line(url):
    with pytest.raises(HarvestConfigError) as error:
        database_for(url)
    assert "\n" not in str(error.value) and "DATABASE_URL" in str(error.value)
