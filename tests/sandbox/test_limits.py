"""Rate limiting, credentials and User-Agent over real HTTP (API_FACTS.md §1, §2, §7).

The shared ``sandbox`` fixture runs a 2 s window: 30 requests with credentials, 10 without.
"""

import http.client
from urllib.parse import urlsplit

import pytest

from tests.sandbox.client import RATE_HEADERS, TOKEN, UA, get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(30)]

TOO_QUICKLY = {"message": "You are making requests too quickly."}


@pytest.fixture(autouse=True)
def frozen_window(sandbox):
    """The window's clock stands still in every test here (the ``sandbox`` fixture's reset, before
    each test, starts it again): the requests a test counts stay in one 2 s window however
    slowly a loaded machine sends them. A test that needs the window to slide advances it."""
    sandbox.clock(frozen=True)


@pytest.mark.parametrize("path, token, ua, status, limit", [
    ("/releases/249504", TOKEN, UA, 200, 30),
    ("/releases/249504", None, UA, 200, 10),
    ("/users/brotherlogic/inventory", TOKEN, UA, 200, 30),
    ("/marketplace/listings/891183783", TOKEN, UA, 200, 30),
    ("/oauth/identity", TOKEN, UA, 200, 30),
    ("/masters/33687", None, UA, 200, 10),
    ("/releases/1", TOKEN, UA, 404, 30),
    ("/users/no-such-seller-here/inventory", TOKEN, UA, 404, 30),
    ("/users/brotherlogic/inventory?status=Bogus", TOKEN, UA, 422, 30),
    ("/users/brotherlogic/inventory?page=9", TOKEN, UA, 404, 30),
    ("/no/such/route", TOKEN, UA, 404, 30),
    ("/releases/249504", "wrong-token", UA, 401, 10),
    ("/oauth/identity", None, UA, 401, 10),
    ("/releases/249504", TOKEN, None, 403, 30),
])
def test_every_response_carries_the_rate_headers(sandbox, path, token, ua, status, limit):
    reply = get(sandbox, path, token=token, ua=ua)
    assert reply.status == status
    assert reply.rate() == (limit, 1, limit - 1)


def test_used_counts_up_and_remaining_down(sandbox):
    assert [get(sandbox, "/releases/249504").rate() for _ in range(3)] == [(30, 1, 29), (30, 2, 28), (30, 3, 27)]


def test_429_after_the_window_is_spent_then_recovery_when_it_slides(sandbox):
    # The window's clock is frozen (frozen_window) and moved by hand: however slowly a loaded
    # machine answers, the 2 s window neither slides early nor late (it did once, under load).
    replies = [get(sandbox, "/releases/249504", token=None) for _ in range(10)]
    assert [(r.status, r.rate()) for r in replies] == [(200, (10, n, 10 - n)) for n in range(1, 11)]
    refused = get(sandbox, "/releases/249504", token=None)
    assert refused.status == 429
    assert refused.json() == TOO_QUICKLY
    assert refused.rate() == (10, 10, 0)
    assert "Retry-After" not in refused.headers  # Discogs almost never sends it (API_FACTS.md §1)
    assert get(sandbox, "/releases/249504", token=None).rate() == (10, 10, 0)  # 429s are not counted
    sandbox.clock(advance=1.99)
    assert get(sandbox, "/releases/249504", token=None).status == 429  # not slid yet
    sandbox.clock(advance=0.02)
    recovered = get(sandbox, "/releases/249504", token=None)
    assert (recovered.status, recovered.rate()) == (200, (10, 1, 9))


def test_the_clock_runs_again_from_where_it_was_frozen(sandbox):
    frozen = sandbox.clock(frozen=True)["now"]
    assert sandbox.clock(advance=5)["now"] == frozen + 5
    running = sandbox.clock(frozen=False)
    assert running["frozen"] is False and running["now"] >= frozen + 5


def test_credentials_and_anonymous_requests_share_one_window(sandbox):
    for _ in range(10):
        get(sandbox, "/releases/249504", token=None)
    assert get(sandbox, "/releases/249504", token=None).status == 429
    assert get(sandbox, "/releases/249504").rate() == (30, 11, 19)


def test_retry_after_is_sent_when_configured(sandbox):
    sandbox.configure(retry_after=3)
    sandbox.consume(10)
    refused = get(sandbox, "/releases/249504", token=None)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "3"


def test_consume_spends_the_callers_window(sandbox):
    assert sandbox.consume(7)["used"] == 7
    assert get(sandbox, "/releases/249504", token=None).rate() == (10, 8, 2)


def test_config_changes_limits_at_once(sandbox):
    assert sandbox.configure(limit_anon=2, limit_auth=5) == {
        "window": 2.0, "limit_auth": 5, "limit_anon": 2, "retry_after": None, "search_cap": 10_000}
    assert get(sandbox, "/releases/249504", token=None).rate() == (2, 1, 1)
    assert get(sandbox, "/releases/249504").rate() == (5, 2, 3)


@pytest.mark.parametrize("path, headers", [
    ("/releases/249504", {"Authorization": "Discogs token=sandbox-token"}),
    ("/releases/249504", {"Authorization": "Discogs key=sandbox-key, secret=sandbox-secret"}),
    ("/releases/249504?token=sandbox-token", {}),
    ("/releases/249504?key=sandbox-key&secret=sandbox-secret", {}),
])
def test_every_form_of_credentials_gets_the_high_tier_and_images(sandbox, path, headers):
    reply = get(sandbox, path, token=None, headers=headers)
    assert reply.rate()[0] == 30
    assert reply.json()["images"][0]["uri"].startswith("https://")


@pytest.mark.parametrize("headers", [
    {"Authorization": "Discogs token=wrong"},
    {"Authorization": "Discogs key=sandbox-key, secret=wrong"},
    {"Authorization": "OAuth oauth_token=whatever"},
])
def test_bad_credentials_get_401(sandbox, headers):
    reply = get(sandbox, "/releases/249504", token=None, headers=headers)
    assert reply.status == 401
    assert reply.json() == {"message": "You must authenticate to access this resource."}
    assert reply.headers["WWW-Authenticate"] == 'OAuth realm="https://api.discogs.com"'


@pytest.mark.parametrize("token, status, username", [(TOKEN, 200, "sandbox"), (None, 401, None)])
def test_identity_needs_a_user_token(sandbox, token, status, username):
    reply = get(sandbox, "/oauth/identity", token=token)
    assert reply.status == status
    if username:
        assert reply.json()["username"] == username
        assert set(reply.json()) == {"id", "username", "resource_url", "consumer_name"}


@pytest.mark.parametrize("ua", [None, ""])
def test_missing_user_agent_gets_an_empty_403(sandbox, ua):
    url = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {"Authorization": f"Discogs token={TOKEN}"}
    if ua is not None:
        headers["User-Agent"] = ua
    connection.request("GET", "/releases/249504", headers=headers)
    response = connection.getresponse()
    assert (response.status, response.read()) == (403, b"")
    assert all(name in response.headers for name in RATE_HEADERS)
    connection.close()


def test_control_routes_are_never_limited_or_logged(sandbox):
    sandbox.configure(limit_anon=1, limit_auth=1)
    for _ in range(5):
        sandbox.log()
        sandbox.consume(0)
    assert get(sandbox, "/releases/249504").status == 200
    assert [entry["path"] for entry in sandbox.log()] == ["/releases/249504"]
