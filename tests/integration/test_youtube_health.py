"""The YouTube health check end to end: a harvested synthetic seller, the oEmbed stand-in with
removed, private, embedding-disabled and flaky videos, and three checks.

A day passing is simulated by moving every stored time of ``youtube_videos`` back (the check
reads and writes nothing else), so each crawl still runs the crawl command as a user runs it
(in this process: tests/integration/inprocess.py).
"""

import pytest

from discogs_harvest.sandbox.youtube import OembedStandInProcess
from tests.integration.crawling import api_requests, rows
from tests.integration.inprocess import crawl_in_process as crawl

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]

TIMES = ("checked_at", "status_changed_at", "first_failure_at", "gone_at", "last_attempt_at")


@pytest.fixture(scope="module")
def stand_in():
    with OembedStandInProcess() as process:
        yield process


def youtube(stand_in, **extra):
    return {"YOUTUBE_OEMBED_URL": stand_in.oembed_url, "YOUTUBE_RATE_PERIOD": "1", "YOUTUBE_RATE_LIMIT": "100",
            **extra}


def age(database, hours, where="1"):
    """Move the stored times of some videos ``hours`` into the past."""
    import sqlite3

    sets = ", ".join(f"{c} = CASE WHEN {c} IS NULL THEN NULL ELSE datetime({c}, '-{hours} hours') END"
                     for c in TIMES)
    with sqlite3.connect(database) as connection:
        connection.execute(f"UPDATE youtube_videos SET {sets} WHERE {where}")


def state(database):
    return {r["id"]: r for r in rows(database, "SELECT * FROM youtube_videos")}


def asked(stand_in, since):
    return [entry["video_id"] for entry in stand_in.log(since)]


def test_two_checks_a_day_apart_flag_exactly_the_dead_videos(module_sandbox, stand_in, tmp_path):
    database = tmp_path / "health.db"
    stand_in.reset()
    harvest = crawl("seller_inventory", module_sandbox, database, "seller=synthetic-60-40")
    assert harvest.returncode == 0, harvest.stderr[-2000:]
    videos = sorted(state(database))
    assert len(videos) >= 40
    removed, private, no_embed, flaky = videos[0:3], videos[3:6], videos[6:9], videos[9:12]
    dead = {**{v: "removed" for v in removed}, **{v: "private" for v in private},
            **{v: "embedding_disabled" for v in no_embed}}
    stand_in.videos(removed=removed, private=private, embedding_disabled=no_embed, flaky=flaky)
    discogs_before = len(api_requests(module_sandbox))

    # Check 1: every video is new. Flaky ones answer 503, 500, then a 200 "Forbidden" body:
    # transient after both retries, so they stay unchecked and the run says so (exit 5).
    first = crawl("youtube_health", module_sandbox, database, settings=youtube(stand_in))
    assert first.returncode == 5, first.stderr[-2000:]
    [line] = first.error_lines
    assert line.startswith("error: harvest incomplete: 3 videos could not be checked on YouTube (see the log); "
                           "run it again to retry them first: scrapy crawl youtube_health ")
    after_first = state(database)
    assert {v for v, r in after_first.items() if r["status"] == "failing"} == set(dead)
    assert not [v for v, r in after_first.items() if r["gone_at"]]
    assert all(after_first[v]["status"] is None and after_first[v]["last_result"] == "transient" for v in flaky)
    assert {v for v, r in after_first.items() if r["status"] == "playable"} == set(videos) - set(dead) - set(flaky)
    assert sorted(asked(stand_in, 0)) == sorted(videos + flaky * 2)  # one request each, two retries per flaky
    assert len(api_requests(module_sandbox)) == discogs_before  # the Discogs API was never asked

    # A day later, check 2: the dead fail again and are gone; the flaky now answer, playable.
    age(database, 25)
    seq = stand_in.log()[-1]["seq"]
    second = crawl("youtube_health", module_sandbox, database, "older_than=1d", settings=youtube(stand_in))
    assert second.returncode == 0, second.stderr[-2000:]
    after_second = state(database)
    gone = {v: r["status"] for v, r in after_second.items() if r["gone_at"]}
    assert gone == dead
    assert all(after_second[v]["consecutive_failures"] == 2 for v in dead)
    assert all(after_second[v]["status"] == "playable" and not after_second[v]["gone_at"] for v in flaky)
    assert sorted(asked(stand_in, seq)) == videos

    # Check 3 with older_than=7d: only the videos whose last check is 8 days old are asked about.
    old = videos[::3]
    age(database, 8 * 24, where="id IN (%s)" % ",".join(f"'{v}'" for v in old))
    seq = stand_in.log()[-1]["seq"]
    third = crawl("youtube_health", module_sandbox, database, "older_than=7d", settings=youtube(stand_in))
    flaky_old = set(flaky) & set(old)  # on its cycle's failing part again: re-sent twice, then unchecked
    assert flaky_old
    assert third.returncode == 5, third.stderr[-2000:]
    assert sorted(asked(stand_in, seq)) == sorted(old + [v for v in old if v in flaky_old] * 2)
    assert {v: r["status"] for v, r in state(database).items() if r["gone_at"]} == dead

    # A plain run (older_than 7 days) asks only about what is still due: the flaky video left
    # unchecked, which answers this time. Then nothing is due; ids and limit pick a subset.
    seq = stand_in.log()[-1]["seq"]
    assert crawl("youtube_health", module_sandbox, database, settings=youtube(stand_in)).returncode == 0
    assert asked(stand_in, seq) == sorted(flaky_old)
    seq = stand_in.log()[-1]["seq"]
    assert crawl("youtube_health", module_sandbox, database, settings=youtube(stand_in)).returncode == 0
    assert asked(stand_in, seq) == []
    subset = crawl("youtube_health", module_sandbox, database, f"ids={videos[1]},{videos[20]}", "limit=1",
                   settings=youtube(stand_in))
    assert subset.returncode == 0 and asked(stand_in, seq) == [videos[1]]


def test_check_videos_after_a_release_harvest(module_sandbox, stand_in, tmp_path):
    database = tmp_path / "release.db"
    stand_in.reset()
    since = max((r["seq"] for r in module_sandbox.log()), default=0)
    result = crawl("release", module_sandbox, database, "ids=1052359,1823781", "check_videos=1",
                   settings=youtube(stand_in))
    assert result.returncode == 0, result.stderr[-2000:]
    linked = [r["video_id"] for r in rows(database, "SELECT video_id FROM album_videos")]
    assert len(linked) == 20
    assert sorted(asked(stand_in, 0)) == sorted(linked)
    stored = state(database)
    assert all(stored[v]["status"] == "playable" and stored[v]["checked_at"] for v in linked)
    # The Discogs columns came from the release, not the check.
    assert stored["-DaZZMDMAWs"]["title"] == "Piero Umiliani - Pelle Di Luna"
    # Our User-Agent, never the Discogs token, reaches YouTube.
    assert {(e["user_agent"].split("/")[0], e["authorization"]) for e in stand_in.log()} == {("discogs-harvest", None)}
    assert sorted(r["path"] for r in api_requests(module_sandbox, since)) == ["/releases/1052359",
                                                                              "/releases/1823781"]


@pytest.mark.parametrize("args, settings, message", [
    (("older_than=soon",), {}, "error: older_than: 'soon' is not an age like 7d, 12h, 30m or 0"),
    (("limit=0",), {}, "error: limit must be a whole number >= 1"),
    (("ids=not a video",), {}, "error: ids: 'not a video' is not a YouTube video id or URL"),
    ((), {"YOUTUBE_OEMBED_URL": "www.youtube.com/oembed"},
     "error: YOUTUBE_OEMBED_URL 'www.youtube.com/oembed' is not an http(s) URL like https://www.youtube.com/oembed"),
    ((), {"YOUTUBE_RATE_LIMIT": "0"}, "error: YOUTUBE_RATE_LIMIT must be > 0, not '0'"),
])
def test_bad_input_is_one_line_and_exit_2(module_sandbox, stand_in, tmp_path, args, settings, message):
    result = crawl("youtube_health", module_sandbox, tmp_path / "x.db", *args, settings=youtube(stand_in, **settings))
    assert (result.returncode, result.error_lines) == (2, [message])


def test_oembed_under_the_discogs_url_is_refused(module_sandbox, tmp_path):
    result = crawl("release", module_sandbox, tmp_path / "x.db", "ids=1", "check_videos=1",
                   settings={"YOUTUBE_OEMBED_URL": module_sandbox.url + "/oembed"})
    assert result.returncode == 2
    assert "lies under DISCOGS_API_URL" in result.error_lines[0]
    bad = crawl("release", module_sandbox, tmp_path / "x.db", "ids=1", "check_videos=maybe")
    assert bad.error_lines == ["error: check_videos must be 1 or 0, not 'maybe'"]


def test_a_video_discogs_no_longer_lists_is_unlinked_and_kept(module_sandbox, stand_in, tmp_path):
    import sqlite3

    database = tmp_path / "upkeep.db"
    stand_in.reset()
    assert crawl("release", module_sandbox, database, "ids=1052359", "check_videos=1",
                 settings=youtube(stand_in)).returncode == 0
    listed = [r["video_id"] for r in rows(database, "SELECT video_id FROM album_videos ORDER BY order_index")]
    # As if Discogs had listed one more video before, one that a check found removed.
    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO youtube_videos (id, title, status, checked_at, gone_at, "
                           "consecutive_failures) VALUES ('zzzzzzzzzzz', 'Old upload', 'removed', "
                           "'2026-01-02 00:00:00', '2026-01-02 00:00:00', 2)")
        connection.execute("INSERT INTO album_videos (album_id, video_id, order_index) VALUES "
                           "('1052359', 'zzzzzzzzzzz', 99)")
    health = rows(database, "SELECT * FROM youtube_videos WHERE id != 'zzzzzzzzzzz' ORDER BY id")

    again = crawl("release", module_sandbox, database, "ids=1052359", "force=1", settings=youtube(stand_in))
    assert again.returncode == 0, again.stderr[-2000:]
    assert [r["video_id"] for r in rows(database, "SELECT video_id FROM album_videos ORDER BY order_index")] == listed
    [old] = rows(database, "SELECT * FROM youtube_videos WHERE id = 'zzzzzzzzzzz'")
    assert (old["status"], old["gone_at"], old["title"]) == ("removed", "2026-01-02 00:00:00", "Old upload")
    # The refetch kept every listed video's health as the check left it.
    assert rows(database, "SELECT * FROM youtube_videos WHERE id != 'zzzzzzzzzzz' ORDER BY id") == health


def test_an_interrupted_check_resumes_where_it_stopped(module_sandbox, stand_in, tmp_path):
    database = tmp_path / "resume.db"
    stand_in.reset()
    assert crawl("release", module_sandbox, database, "ids=1052359,1823781").returncode == 0
    videos = sorted(r["id"] for r in rows(database, "SELECT id FROM youtube_videos"))
    # Stopped after a few answers (Scrapy's CloseSpider, as a Ctrl-C would): what it learnt is stored.
    crawl("youtube_health", module_sandbox, database,
          settings=youtube(stand_in, CLOSESPIDER_ITEMCOUNT="3", YOUTUBE_RATE_LIMIT="5"))
    checked = {r["id"] for r in rows(database, "SELECT id FROM youtube_videos WHERE checked_at IS NOT NULL")}
    assert 3 <= len(checked) < len(videos)
    seq = stand_in.log()[-1]["seq"]
    again = crawl("youtube_health", module_sandbox, database, settings=youtube(stand_in))
    assert again.returncode == 0, again.stderr[-2000:]
    assert sorted(asked(stand_in, seq)) == sorted(set(videos) - checked)
