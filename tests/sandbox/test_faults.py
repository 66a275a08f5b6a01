"""Fault injection: the plan as a pure object, then each fault over real HTTP."""

import http.client
import json
import time

import pytest

from discogs_harvest.sandbox.faults import FaultInjector, FaultPlan
from tests.sandbox.client import get, wait_for

pytestmark = pytest.mark.timeout(30)


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def draws(plan, paths):
    injector = FaultInjector(plan)
    return [injector.choose(path) for path in paths]


def test_the_same_seed_meets_the_same_faults():
    plan = dict(error_rate=0.2, drop_rate=0.1, slow_rate=0.1, seed=7)
    paths = ["/releases/1"] * 200
    first = draws(FaultPlan(**plan), paths)
    assert first == draws(FaultPlan(**plan), paths)
    assert first != draws(FaultPlan(**{**plan, "seed": 8}), paths)
    assert {None, "error", "drop", "slow"} == set(first)


@pytest.mark.parametrize("kind", ["error", "slow", "truncate", "nonjson", "drop", "cloudflare"])
def test_a_rate_of_one_always_meets_that_fault(kind):
    assert set(draws(FaultPlan(**{f"{kind}_rate": 1.0}), ["/releases/1"] * 20)) == {kind}


def test_no_plan_no_faults():
    assert set(draws(FaultPlan(), ["/releases/1"] * 50)) == {None}


def test_path_regex_restricts_faults():
    assert draws(FaultPlan(error_rate=1.0, path_regex="^/releases/"), ["/releases/1", "/users/x/inventory"]) == [
        "error", None]


def test_storm_lasts_its_seconds():
    clock = Clock()
    injector = FaultInjector(FaultPlan(storm_seconds=5), clock=clock)
    assert injector.storm("/releases/1")
    clock.now += 5
    assert not injector.storm("/releases/1")


@pytest.mark.parametrize("settings, message", [
    ({"error_rte": 0.1}, "unknown fault settings"),
    ({"error_rate": 0.7, "drop_rate": 0.7}, "more than 1"),
    ({"error_codes": []}, "must not be empty"),
])
def test_bad_plans_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        FaultPlan.from_dict(settings)


# --- over HTTP ------------------------------------------------------------------------


def only_releases(sandbox, **plan):
    sandbox.faults(path_regex="^/releases/", seed=1, **plan)


def last_fault(sandbox):
    return sandbox.log()[-1]["fault"]


@pytest.mark.sandbox
@pytest.mark.parametrize("codes", [[500], [502], [503]])
def test_error_answers_are_json(sandbox, codes):
    only_releases(sandbox, error_rate=1.0, error_codes=codes)
    reply = get(sandbox, "/releases/249504")
    assert reply.status == codes[0]
    assert set(reply.json()) == {"message"}
    assert reply.rate()[1] == 1  # counted: it reached the server
    assert last_fault(sandbox) == "error"


@pytest.mark.sandbox
def test_slow_answers_wait_then_answer(sandbox):
    only_releases(sandbox, slow_rate=1.0, slow_seconds=0.3)
    started = time.monotonic()
    reply = get(sandbox, "/releases/249504")
    assert time.monotonic() - started >= 0.3
    assert reply.status == 200 and reply.json()["id"] == 249504
    assert last_fault(sandbox) == "slow"


@pytest.mark.sandbox
def test_truncated_bodies_end_early(sandbox):
    only_releases(sandbox, truncate_rate=1.0)
    with pytest.raises(http.client.IncompleteRead):
        get(sandbox, "/releases/249504")
    assert last_fault(sandbox) == "truncate"


@pytest.mark.sandbox
def test_non_json_bodies_are_html_with_200(sandbox):
    only_releases(sandbox, nonjson_rate=1.0)
    reply = get(sandbox, "/releases/249504")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        reply.json()


@pytest.mark.sandbox
def test_dropped_connections_get_no_response(sandbox):
    only_releases(sandbox, drop_rate=1.0)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        get(sandbox, "/releases/249504")
    entry = sandbox.log()[-1]
    assert (entry["fault"], entry["status"]) == ("drop", None)


@pytest.mark.sandbox
def test_cloudflare_challenge_is_an_html_403(sandbox):
    only_releases(sandbox, cloudflare_rate=1.0)
    reply = get(sandbox, "/releases/249504")
    assert reply.status == 403 and reply.headers["Content-Type"].startswith("text/html")
    assert b"api.discogs.com needs to review the security of your\nconnection" in reply.body
    assert reply.headers["Server"] == "cloudflare"


@pytest.mark.sandbox
def test_faults_spare_other_paths_and_reset_clears_them(sandbox):
    only_releases(sandbox, error_rate=1.0)
    assert get(sandbox, "/users/brotherlogic/inventory").status == 200
    sandbox.reset()
    assert get(sandbox, "/releases/249504").status == 200


@pytest.mark.sandbox
def test_the_same_seed_gives_the_same_statuses_over_http(sandbox):
    def statuses():
        sandbox.faults(error_rate=0.5, error_codes=[503], seed=42)
        return [get(sandbox, "/releases/249504").status for _ in range(12)]

    first = statuses()
    sandbox.reset()
    assert statuses() == first and {200, 503} == set(first)


@pytest.mark.sandbox
@pytest.mark.parametrize("retry_after, header", [(None, None), (2, "2")])
def test_a_storm_answers_429_to_everything_then_passes(sandbox, retry_after, header):
    sandbox.faults(storm_seconds=1, storm_retry_after=retry_after)
    replies = [get(sandbox, path) for path in ("/releases/249504", "/users/brotherlogic/inventory")]
    assert [r.status for r in replies] == [429, 429]
    assert replies[0].json() == {"message": "You are making requests too quickly."}
    assert replies[0].headers.get("Retry-After") == header
    assert replies[1].rate() == (30, 0, 30)  # storm 429s are not counted
    assert [e["fault"] for e in sandbox.log()] == ["storm", "storm"]
    wait_for(lambda: get(sandbox, "/releases/249504").status == 200, 3)


@pytest.mark.sandbox
def test_bad_plans_are_refused_over_http(sandbox):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as caught:
        sandbox.faults(error_rte=0.1)
    assert caught.value.code == 400


@pytest.mark.sandbox
def test_faults_from_the_command_line(sandbox_factory):
    faulty = sandbox_factory("--faults", json.dumps({"error_rate": 1.0, "error_codes": [502]}))
    assert get(faulty, "/releases/249504").status == 502


# --- answers that are wrong rather than broken ------------------------------------------

INVENTORY = "/users/synthetic-300-100/inventory?per_page=100&page=1"


def rewritten(sandbox, rewrite, path=INVENTORY, **plan):
    sandbox.faults(rewrite_rate=1.0, rewrite=rewrite, **plan)
    reply = get(sandbox, path)
    assert last_fault(sandbox) == "rewrite"
    return reply


@pytest.mark.sandbox
@pytest.mark.parametrize(("rewrite", "expected"), [("empty_object", {}), ("array", [])])
def test_wrong_shape_bodies_are_200_json(sandbox, rewrite, expected):
    reply = rewritten(sandbox, rewrite, "/releases/249504")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    assert reply.json() == expected


@pytest.mark.sandbox
def test_invalid_json_under_a_json_content_type(sandbox):
    reply = rewritten(sandbox, "bad_json")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/json")
    assert reply.body[:1] == b"{" and int(reply.headers["Content-Length"]) == len(reply.body)
    with pytest.raises(json.JSONDecodeError):
        reply.json()


@pytest.mark.sandbox
@pytest.mark.parametrize(("rewrite", "listings", "has_next"), [
    ("null_listings", None, True), ("empty_listings", [], True), ("short_page", 50, True), ("end_early", [], False)])
def test_inventory_pages_that_promise_more_than_they_hold(sandbox, rewrite, listings, has_next):
    page = rewritten(sandbox, rewrite).json()
    assert page["pagination"]["pages"] == 3 and page["pagination"]["items"] == 300
    assert (len(page["listings"]) if isinstance(listings, int) else page["listings"]) == listings
    assert ("next" in page["pagination"]["urls"]) is has_next


@pytest.mark.sandbox
def test_secrets_echoed_back(sandbox):
    urls = rewritten(sandbox, "echo_token").json()["pagination"]["urls"]
    assert urls["next"].endswith("&token=sandbox-token")
    reply = rewritten(sandbox, "unauthorized_echo", "/releases/249504")
    assert reply.status == 401 and "sandbox-token" in reply.json()["message"]


@pytest.mark.sandbox
def test_query_regex_and_max_faults_pick_which_requests_meet_a_fault(sandbox):
    sandbox.faults(error_rate=1.0, error_codes=[503], query_regex=r"(^|&)page=2(&|$)", max_faults=2)
    statuses = [get(sandbox, f"/users/synthetic-300-100/inventory?page={n}").status for n in (1, 2, 3, 2, 2)]
    assert statuses == [200, 503, 200, 503, 200]
