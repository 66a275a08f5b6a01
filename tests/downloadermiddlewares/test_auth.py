"""Credentials and User-Agent go on API requests only, in the header only."""

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured

from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_url
from discogs_harvest.downloadermiddlewares.auth import DiscogsAuthMiddleware, authorization
from tests.downloadermiddlewares.conftest import API, TOKEN, api_request


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


@pytest.mark.parametrize(
    "url, prefix, expected",
    [
        ("http://127.0.0.1:8000/releases/1", "http://127.0.0.1:8000", True),
        ("http://127.0.0.1:80001/releases/1", "http://127.0.0.1:8000", False),
        ("http://127.0.0.1:8000/v2/releases/1", "http://127.0.0.1:8000/v2", True),
        ("http://127.0.0.1:8000/v2x/releases/1", "http://127.0.0.1:8000/v2", False),
        # A prefix without a host matches nothing under a host.
        ("http://evil.example/releases/1", "http:", False),
    ],
)
def test_is_api_url_ports_paths_and_hostless_prefixes(url, prefix, expected):
    assert is_api_url(url, api_prefix(prefix)) is expected


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


# --- OAuth 1.0a -------------------------------------------------------------------------

OAUTH = dict(DISCOGS_TOKEN="s3cret-token", DISCOGS_CONSUMER_KEY="sandbox-key", DISCOGS_CONSUMER_SECRET="sandbox-secret",
             DISCOGS_OAUTH_TOKEN="otok", DISCOGS_OAUTH_TOKEN_SECRET="osec")


def provider():
    from discogs_harvest.sandbox.oauth import OAuthProvider

    return OAuthProvider({"sandbox-key": "sandbox-secret"}, {"otok": ("osec", "shop-10-5")})


@pytest.mark.parametrize("method", ["HMAC-SHA1", "PLAINTEXT"])
def test_oauth_signs_every_request_instead_of_the_token(build, method):
    mw = build(DiscogsAuthMiddleware, DISCOGS_OAUTH_SIGNATURE_METHOD=method, **OAUTH)
    request = api_request("/users/shop-10-5/inventory?status=All&page=2")
    mw.process_request(request)
    header = request.headers[b"Authorization"].decode()
    assert header.startswith("OAuth ") and 'oauth_token="otok"' in header and "s3cret-token" not in header
    # The sandbox's verifier (oauthlib's RFC 5849 functions) accepts it as the token's user.
    assert provider().verify("GET", request.url, header) == ("oauth", "shop-10-5", method)
    if method == "HMAC-SHA1":
        assert "osec" not in header and "sandbox-secret" not in header


def test_each_send_is_signed_anew(build):
    mw = build(DiscogsAuthMiddleware, **OAUTH)
    headers = set()
    for _ in range(3):
        request = api_request()
        mw.process_request(request)
        headers.add(request.headers[b"Authorization"])
    assert len(headers) == 3  # a fresh nonce each time: a retry is never a replay


def test_a_signature_over_another_url_or_secret_is_refused(build):
    mw = build(DiscogsAuthMiddleware, **{**OAUTH, "DISCOGS_OAUTH_TOKEN_SECRET": "wrong"})
    request = api_request("/releases/1")
    mw.process_request(request)
    assert provider().verify("GET", request.url, request.headers[b"Authorization"].decode()).kind == "bad"
    good = build(DiscogsAuthMiddleware, **OAUTH)
    request = api_request("/releases/1")
    good.process_request(request)
    assert provider().verify("GET", API + "/releases/2", request.headers[b"Authorization"].decode()).kind == "bad"


def test_a_form_body_is_signed(build):
    mw = build(DiscogsAuthMiddleware, **OAUTH)
    request = Request(API + "/inventory/export", method="POST", body=b"a=1&b=two",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    mw.process_request(request)
    header = request.headers[b"Authorization"].decode()
    form = "application/x-www-form-urlencoded"
    assert provider().verify("POST", request.url, header, "a=1&b=two", form).kind == "oauth"
    assert provider().verify("POST", request.url, header, "a=1&b=three", form).kind == "bad"


def test_plaintext_is_refused_over_plain_http_to_another_host(make_crawler):
    from discogs_harvest.exceptions import HarvestConfigError

    with pytest.raises(HarvestConfigError, match="PLAINTEXT"):
        DiscogsAuthMiddleware(make_crawler(DISCOGS_API_URL="http://api.example.org",
                                           DISCOGS_OAUTH_SIGNATURE_METHOD="PLAINTEXT", **OAUTH))


def test_half_the_oauth_settings_sign_nothing(build, caplog):
    mw = build(DiscogsAuthMiddleware, DISCOGS_CONSUMER_KEY="", DISCOGS_CONSUMER_SECRET="",
               DISCOGS_OAUTH_TOKEN="otok", DISCOGS_OAUTH_TOKEN_SECRET="osec")
    request = api_request()
    mw.process_request(request)
    assert request.headers[b"Authorization"] == f"Discogs token={TOKEN}".encode()
    assert "need DISCOGS_CONSUMER_KEY" in caplog.text and "osec" not in caplog.text
    assert "osec" not in repr(mw) and "signing=False" in repr(mw)
