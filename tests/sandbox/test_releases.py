"""Releases, single listings and other recorded entities over real HTTP (API_FACTS.md §5)."""

import json
from pathlib import Path

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests.sandbox.client import get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60)]

DATA = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data"
CREDENTIALED = [p for p in sorted((DATA / "releases").glob("*.json")) if "unauth" not in p.name]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def no_urls(body):
    images = body.get("images", [])
    return all(i["uri"] == i["resource_url"] == i["uri150"] == "" for i in images) and body["thumb"] == ""


@pytest.fixture(scope="module")
def roomy():
    """No rate limit to speak of: for tests that fetch hundreds of releases."""
    with SandboxProcess("--limit-auth", "100000", "--limit-anon", "100000") as sandbox:
        yield sandbox


@pytest.mark.parametrize("path", CREDENTIALED, ids=lambda p: p.stem)
def test_recorded_releases_are_served_as_recorded(sandbox, path):
    recorded = load(path)
    assert get(sandbox, f"/releases/{recorded['id']}").json() == recorded


@pytest.mark.parametrize("path", CREDENTIALED, ids=lambda p: p.stem)
def test_without_credentials_image_urls_are_empty(sandbox, path):
    body = get(sandbox, f"/releases/{load(path)['id']}", token=None).json()
    assert no_urls(body)


def test_249504_anonymous_clients_get_the_2024_capture_others_the_2017_one(sandbox):
    anon = get(sandbox, "/releases/249504", token=None).json()
    authed = get(sandbox, "/releases/249504").json()
    assert anon == load(DATA / "releases" / "249504_rick-astley_7in_unauth_2024-05.json")
    assert authed == load(DATA / "releases" / "249504_rick-astley_7in_token_2017-11.json")


@pytest.mark.parametrize("release_id", [1, 2, 89_999_999, 100_000_000])
def test_unknown_release_is_404(sandbox, release_id):
    reply = get(sandbox, f"/releases/{release_id}")
    assert (reply.status, reply.json()) == (404, {"message": "Release not found."})


def test_generated_releases_lose_image_urls_without_credentials(sandbox):
    listing = get(sandbox, "/users/brotherlogic/inventory?per_page=1").json()["listings"][0]
    release_id = listing["release"]["id"]
    authed = get(sandbox, f"/releases/{release_id}").json()
    anon = get(sandbox, f"/releases/{release_id}", token=None).json()
    assert authed["images"][0]["uri"] == listing["release"]["images"][0]["uri"]
    assert no_urls(anon)
    assert {**anon, "images": None, "thumb": None} == {**authed, "images": None, "thumb": None}


@pytest.mark.parametrize("seller", ["brotherlogic", "synthetic-300-120-7", "SecretSpot.Records"])
def test_every_listed_release_has_a_body(roomy, seller):
    listings, url = [], f"/users/{seller}/inventory?per_page=100"
    while url:
        page = get(roomy, url).json()
        listings += page["listings"]
        url = page["pagination"]["urls"].get("next")
    for release_id in sorted({listing["release"]["id"] for listing in listings}):
        reply = get(roomy, f"/releases/{release_id}")
        assert reply.status == 200 and reply.json()["id"] == release_id


@pytest.mark.parametrize("listing_id, token, status", [
    (2218783261, "sandbox-token", 200),  # recorded, as a non-owner saw it
    (647415422, "sandbox-token", 404),  # recorded as Deleted: only its owner sees it
    (891183783, "sandbox-token", 200),  # one of brotherlogic's
    (891183783, None, 200),
    (1, "sandbox-token", 404),
])
def test_single_listings(sandbox, listing_id, token, status):
    reply = get(sandbox, f"/marketplace/listings/{listing_id}", token=token)
    assert reply.status == status
    if status == 404:
        assert reply.json() == {"message": "The requested resource was not found."}
    else:
        body = reply.json()
        assert body["id"] == listing_id and "weight" not in body
        assert (body["release"]["thumbnail"] == "") is (token is None)


def test_a_synthetic_listing_matches_its_inventory_row(sandbox):
    row = get(sandbox, "/users/synthetic-40-20/inventory").json()["listings"][3]
    assert get(sandbox, f"/marketplace/listings/{row['id']}").json() == row


@pytest.mark.parametrize("kind, entity_id, status, message", [
    ("masters", 33687, 200, None), ("artists", 45, 200, None), ("labels", 1, 200, None),
    ("masters", 1, 404, "Master Release not found."), ("artists", 1, 404, "Artist not found."),
    ("labels", 2, 404, "Label not found."),
])
def test_other_recorded_entities(sandbox, kind, entity_id, status, message):
    reply = get(sandbox, f"/{kind}/{entity_id}")
    assert reply.status == status
    if message:
        assert reply.json() == {"message": message}
    else:
        assert reply.json()["id"] == entity_id
