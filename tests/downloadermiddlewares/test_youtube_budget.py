"""The YouTube budget is the Discogs budget's code, a second instance with its own numbers,
requests and stats: neither ever paces or counts the other's requests."""

import asyncio

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.downloadermiddlewares.budget import SEND, RequestBudgetMiddleware
from discogs_harvest.downloadermiddlewares.policy import Budget
from discogs_harvest.downloadermiddlewares.youtube import YoutubeBudgetMiddleware, check_youtube_settings
from discogs_harvest.exceptions import HarvestConfigError
from tests.downloadermiddlewares.conftest import API, answer, api_request

OEMBED = "http://127.0.0.1:9999/oembed"


def oembed_request(video_id="dQw4w9WgXcQ"):
    return Request(f"{OEMBED}?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D{video_id}&format=json")


@pytest.fixture
def both(make_crawler):
    crawler = make_crawler(YOUTUBE_OEMBED_URL=OEMBED, YOUTUBE_RATE_LIMIT=7, YOUTUBE_RATE_PERIOD=3,
                           DISCOGS_RATE_LIMIT=60)
    return (build_from_crawler(RequestBudgetMiddleware, crawler),
            build_from_crawler(YoutubeBudgetMiddleware, crawler), crawler)


def test_same_policy_other_numbers(both):
    discogs, youtube, _ = both
    assert type(youtube.budget) is Budget and isinstance(youtube, RequestBudgetMiddleware)
    assert (youtube.budget.limit, youtube.budget.period) == (7, 3.0)
    assert (discogs.budget.limit, discogs.budget.period) == (60, 60.0)
    assert youtube.api_url == OEMBED and discogs.api_url == API


def test_each_instance_paces_and_counts_only_its_host(both):
    discogs, youtube, crawler = both

    async def through(request):
        # Downloader order: YouTube's (940) process_request, then Discogs' (950); answers the other way.
        await youtube.process_request(request)
        await discogs.process_request(request)
        response = answer(request, body=b"{}")
        response = discogs.process_response(request, response)
        return youtube.process_response(request, response)

    asyncio.run(through(oembed_request()))
    asyncio.run(through(api_request()))
    asyncio.run(through(oembed_request("aaaaaaaaaaa")))
    stats = crawler.stats.get_stats()
    assert stats["harvest/youtube/budget/requests"] == 2
    assert stats["harvest/budget/requests"] == 1
    # Every slot was given back to the instance that reserved it.
    assert youtube.budget.in_window(0) == 2 and all(s.done is not None for s in youtube.budget.sends)
    assert discogs.budget.in_window(0) == 1 and all(s.done is not None for s in discogs.budget.sends)


def test_a_youtube_429_pauses_youtube_only(both):
    discogs, youtube, crawler = both
    request = oembed_request()
    asyncio.run(youtube.process_request(request))
    youtube.process_response(request, Response(request.url, status=429, request=request))
    assert youtube.budget.breaker.state == "paused"
    assert discogs.budget.breaker.state == "closed"
    assert crawler.stats.get_value("harvest/youtube/budget/429") == 1
    assert crawler.stats.get_value("harvest/budget/429") is None
    assert SEND not in request.meta


@pytest.mark.parametrize("overrides, message", [
    ({"YOUTUBE_OEMBED_URL": API + "/oembed"}, "lies under DISCOGS_API_URL"),
    ({"YOUTUBE_OEMBED_URL": "ftp://x/oembed"}, "is not an http(s) URL"),
    ({"YOUTUBE_RATE_PERIOD": "0"}, "YOUTUBE_RATE_PERIOD must be > 0"),
    ({"YOUTUBE_RATE_LIMIT": "many"}, "YOUTUBE_RATE_LIMIT 'many' is not a number"),
])
def test_settings_checked_before_the_crawl(make_crawler, overrides, message):
    settings = make_crawler(**{"YOUTUBE_OEMBED_URL": OEMBED, **overrides}).settings
    with pytest.raises(HarvestConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_youtube_settings(settings)


def test_the_closing_line_only_when_youtube_was_asked(both, caplog):
    _, youtube, crawler = both
    with caplog.at_level("INFO"):
        youtube.spider_closed(crawler.spider, "finished")
    assert "YouTube oEmbed" not in caplog.text
    request = oembed_request()
    asyncio.run(youtube.process_request(request))
    youtube.process_response(request, answer(request, body=b"{}"))
    with caplog.at_level("INFO"):
        youtube.spider_closed(crawler.spider, "finished")
    assert "YouTube oEmbed: 1 requests in" in caplog.text


def test_the_settings_overlay_reads_through_and_changes_nothing():
    from scrapy.settings import Settings

    from discogs_harvest.downloadermiddlewares.youtube import SettingsOverlay

    settings = Settings({"DISCOGS_RATE_LIMIT": 60, "YOUTUBE_RATE_LIMIT": "5", "DISCOGS_TOKEN": "t"}, priority="project")
    settings.freeze()
    overlay = SettingsOverlay(settings, {"DISCOGS_RATE_LIMIT": settings.get("YOUTUBE_RATE_LIMIT"), "DISCOGS_TOKEN": ""})
    assert overlay.getint("DISCOGS_RATE_LIMIT") == 5 and overlay.get("DISCOGS_TOKEN", "none") == ""
    assert overlay.getbool("DISCOGS_BUDGET_ENABLED") is settings.getbool("DISCOGS_BUDGET_ENABLED")
    assert overlay.getfloat("DOWNLOAD_TIMEOUT") == settings.getfloat("DOWNLOAD_TIMEOUT")
    assert overlay.getpriority("DISCOGS_RATE_LIMIT") > overlay.getpriority("YOUTUBE_RATE_LIMIT")
    assert "YOUTUBE_RATE_LIMIT" in overlay and "NO_SUCH_SETTING" not in overlay and overlay["NO_SUCH_SETTING"] is None
    assert len(overlay) == len(settings) == len(dict(overlay.items()))
    with pytest.raises(TypeError):
        overlay.set("DISCOGS_RATE_LIMIT", 1)
    assert settings.getint("DISCOGS_RATE_LIMIT") == 60 and settings.get("DISCOGS_TOKEN") == "t"
