"""VideoHealthPipeline with an injected clock, next to the storage pipeline: checks land on
``youtube_videos`` whatever the order, and a re-harvest or an unlinking keeps their history."""

import datetime

from scrapy.utils.misc import build_from_crawler

from discogs_harvest.items import VideoCheckItem
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.pipelines.videohealth import VideoHealthPipeline
from tests.pipelines import factories
from tests.pipelines.test_storage import table

T0 = datetime.datetime(2026, 3, 1, 8, 0)
REMOVED, KEPT, _ = (video_id for video_id, _, _ in factories.VIDEOS)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def store(crawler, *items):
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()


def check(crawler, clock, *results):
    pipeline = VideoHealthPipeline(crawler, clock=clock)
    for video_id, result in results:
        assert pipeline.process_item(VideoCheckItem(video_id, result, f"why {result}")) is not None
    pipeline.close_spider()
    return pipeline


def videos(database):
    return {row["id"]: row for row in table(database, "youtube_videos")}


def test_two_checks_a_day_apart_then_a_reharvest_and_an_unlinking_keep_the_history(make_crawler, database):
    clock = Clock()
    store(make_crawler(), factories.release())
    check(make_crawler(), clock, (REMOVED, "removed"), (KEPT, "playable"))
    clock.now = T0 + datetime.timedelta(hours=23)
    check(make_crawler(), clock, (REMOVED, "removed"))
    assert videos(database)[REMOVED]["status"] == "failing"  # less than a day apart
    clock.now = T0 + datetime.timedelta(days=1)
    check(make_crawler(), clock, (REMOVED, "removed"), (KEPT, "transient"))
    stored = videos(database)
    assert (stored[REMOVED]["status"], stored[REMOVED]["consecutive_failures"]) == ("removed", 3)
    assert stored[REMOVED]["gone_at"] == str(T0 + datetime.timedelta(days=1))
    assert stored[KEPT]["status"] == "playable" and stored[KEPT]["checked_at"] == str(T0)
    assert stored[KEPT]["last_result"] == "transient"

    # Discogs stops listing REMOVED: unlinked from the album, kept with its history; a
    # re-harvest rewrites the Discogs columns and leaves the health ones alone.
    store(make_crawler(), factories.release(videos=factories.videos(3)[1:]))
    assert sorted(link["video_id"] for link in table(database, "album_videos")) == sorted(
        v for v, _, _ in factories.VIDEOS[1:])
    after = videos(database)
    assert {k: after[REMOVED][k] for k in stored[REMOVED]} == stored[REMOVED]
    assert after[KEPT]["status"] == "playable" and after[KEPT]["title"] == factories.VIDEOS[1][1]


def test_a_check_before_its_release_is_stored(make_crawler, database):
    pipeline = check(make_crawler(), Clock(), (KEPT, "playable"))
    assert "1 playable" in pipeline.describe()
    assert videos(database)[KEPT]["url"] == f"https://www.youtube.com/watch?v={KEPT}"
    store(make_crawler(), factories.release())
    row = videos(database)[KEPT]
    assert (row["title"], row["status"], row["checked_at"]) == (factories.VIDEOS[1][1], "playable", str(T0))


def test_stats(make_crawler, database):
    crawler = make_crawler()
    clock = Clock()
    check(crawler, clock, (REMOVED, "private"), (KEPT, "transient"))
    clock.now = T0 + datetime.timedelta(days=2)
    check(crawler, clock, (REMOVED, "private"))
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("harvest/youtube")}
    assert stats == {"harvest/youtube/videos/done": 3, "harvest/youtube/videos/private": 2,
                     "harvest/youtube/videos/transient": 1, "harvest/youtube/videos/unchecked": 1,
                     "harvest/youtube/videos/newly_gone": 1}
