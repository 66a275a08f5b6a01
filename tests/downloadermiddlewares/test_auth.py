"""Credentials and User-Agent go on API requests only, in the header only."""

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured

from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_url
from discogs_harvest.downloadermiddlewares.auth import DiscogsAuthMiddleware, authorization
from tests.downloadermiddlewares.conftest import TOKEN, api_request


@pytest.mark.parametrize(
    "token, key, secret, expected",
    [
        ("tok", "", "", "Discogs token=tok"),
        ("", "k", "s", "Discogs key=k, secret=s"),
        ("tok", "k", "s", "Discogs token=tok"),
        ("", "k", "", None),
        ("", "", "", None),
    ],
)
def test_authorization(token, key, secret, expected):
    assert authorization(token, key, secret) == expected


def test_token_and_user_agent_on_api_requests(build):
    mw = build(DiscogsAuthMiddleware, DISCOGS_USER_AGENT="harvest-tests/1.0 +http://example.org")
    request = api_request("/users/x/inventory?page=2")
    assert mw.process_request(request) is None
    assert request.headers[b"Authorization"] == f"Discogs token={TOKEN}".encode()
    assert request.headers[b"User-Agent"] == b"harvest-tests/1.0 +http://example.org"
    assert TOKEN not in request.url


def test_consumer_key_and_secret(build):
    mw = build(DiscogsAuthMiddleware, DISCOGS_TOKEN="", DISCOGS_CONSUMER_KEY="k", DISCOGS_CONSUMER_SECRET="s")
    request = api_request()
    mw.process_request(request)
    assert request.headers[b"Authorization"] == b"Discogs key=k, secret=s"


def test_no_credentials_no_header(build):
    mw = build(DiscogsAuthMiddleware, DISCOGS_TOKEN="")
    request = api_request()
    mw.process_request(request)
    assert b"Authorization" not in request.headers
    assert request.headers[b"User-Agent"]


@pytest.mark.parametrize(
    "url",
    [
        "https://i.discogs.com/image.jpg",
        "http://127.0.0.1:8766/releases/1",  # another port
    ],
)
def test_other_hosts_get_nothing(build, url):
    mw = build(DiscogsAuthMiddleware)
    request = Request(url)
    mw.process_request(request)
    assert b"Authorization" not in request.headers
    assert b"User-Agent" not in request.headers


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://api.discogs.com", True),
        ("https://api.discogs.com/releases/1", True),
        ("https://API.discogs.com/releases/1", False),  # not the configured spelling: left alone
        ("https://api.discogs.com?x=1", True),
        ("https://api.discogs.com.evil.example/releases/1", False),
        ("https://api.discogs.comx/releases/1", False),
        ("http://api.discogs.com/releases/1", False),
    ],
)
def test_is_api_url(url, expected):
    assert is_api_url(url, api_prefix("https://api.discogs.com/")) is expected
    assert not is_api_url(url, "")


def test_dont_auth(build):
    mw = build(DiscogsAuthMiddleware)
    request = api_request(dont_auth=True)
    request.headers[b"Authorization"] = b"stale"
    mw.process_request(request)
    assert b"Authorization" not in request.headers
    assert request.headers[b"User-Agent"]


def test_the_token_never_shows_in_repr(build):
    mw = build(DiscogsAuthMiddleware)
    assert TOKEN not in repr(mw) and "authenticated=True" in repr(mw)


def test_no_api_url_is_a_configuration_error(make_crawler):
    with pytest.raises(NotConfigured, match="DISCOGS_API_URL"):
        DiscogsAuthMiddleware(make_crawler(DISCOGS_API_URL=""))
