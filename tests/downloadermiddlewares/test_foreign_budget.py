"""Apple Music, Spotify and Wikipedia budgets: the Discogs budget's code, one instance per
service, each pacing and counting only its own base URL's requests."""

import asyncio

import pytest
from scrapy import Request
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.downloadermiddlewares.apiurl import check_service_url
from discogs_harvest.downloadermiddlewares.budget import RequestBudgetMiddleware
from discogs_harvest.downloadermiddlewares.foreign import (
    AppleMusicBudgetMiddleware,
    SpotifyBudgetMiddleware,
    WikipediaBudgetMiddleware,
    check_service_budget,
)
from discogs_harvest.downloadermiddlewares.policy import Budget
from discogs_harvest.exceptions import HarvestConfigError
from tests.downloadermiddlewares.conftest import API, answer, api_request

BASE = "http://127.0.0.1:9998"
URLS = {"APPLE_MUSIC_API_URL": f"{BASE}/apple", "SPOTIFY_API_URL": f"{BASE}/spotify",
        "WIKIPEDIA_API_URL": f"{BASE}/wikipedia"}


@pytest.fixture
def budgets(make_crawler):
    crawler = make_crawler(**URLS, APPLE_MUSIC_RATE_LIMIT=5, APPLE_MUSIC_RATE_PERIOD=2, SPOTIFY_RATE_LIMIT=7,
                           SPOTIFY_RATE_PERIOD=3, WIKIPEDIA_RATE_LIMIT=11, WIKIPEDIA_RATE_PERIOD=4, DISCOGS_RATE_LIMIT=60)
    classes = (RequestBudgetMiddleware, AppleMusicBudgetMiddleware, SpotifyBudgetMiddleware, WikipediaBudgetMiddleware)
    return [build_from_crawler(cls, crawler) for cls in classes], crawler


def test_one_policy_four_instances(budgets):
    (discogs, apple, spotify, wikipedia), _ = budgets
    assert all(type(m.budget) is Budget for m in (apple, spotify, wikipedia))
    assert [(m.budget.limit, m.budget.period, m.api_url) for m in (discogs, apple, spotify, wikipedia)] == [
        (60, 60.0, API), (5, 2.0, URLS["APPLE_MUSIC_API_URL"]), (7, 3.0, URLS["SPOTIFY_API_URL"]),
        (11, 4.0, URLS["WIKIPEDIA_API_URL"])]


def test_each_counts_only_its_own_requests(budgets):
    middlewares, crawler = budgets

    async def through(request):
        # Downloader order: ascending for requests (foreign 930-932, Discogs 950), descending for answers.
        for middleware in sorted(middlewares, key=lambda m: m is middlewares[0]):
            await middleware.process_request(request)
        response = answer(request, body=b"{}")
        for middleware in sorted(middlewares, key=lambda m: m is not middlewares[0]):
            response = middleware.process_response(request, response)

    for url in (f"{BASE}/apple/v1/catalog/us/search?term=a", f"{BASE}/spotify/v1/search?q=a",
                f"{BASE}/spotify/v1/search?q=b", f"{BASE}/spotify-accounts/api/token"):
        asyncio.run(through(Request(url)))
    asyncio.run(through(api_request()))
    stats = crawler.stats.get_stats()
    assert {k: v for k, v in stats.items() if k.endswith("/budget/requests")} == {
        "harvest/apple_music/budget/requests": 1, "harvest/spotify/budget/requests": 2,
        "harvest/budget/requests": 1}
    for middleware in middlewares:
        assert all(send.done is not None for send in middleware.budget.sends)


@pytest.mark.parametrize("settings, message", [
    ({"SPOTIFY_API_URL": "ftp://x"}, r"SPOTIFY_API_URL 'ftp://x' is not an http\(s\) URL"),
    ({"SPOTIFY_API_URL": f"{API}/spotify"}, "lies under DISCOGS_API_URL"),
])
def test_service_url_checks(make_crawler, settings, message):
    crawler = make_crawler(**settings)
    with pytest.raises(HarvestConfigError, match=message):
        check_service_url(crawler.settings, "SPOTIFY_API_URL", "https://api.spotify.com")


def test_rate_checks(make_crawler):
    with pytest.raises(HarvestConfigError, match="WIKIPEDIA_RATE_LIMIT must be > 0"):
        check_service_budget(make_crawler(WIKIPEDIA_RATE_LIMIT=0).settings, "wikipedia")
