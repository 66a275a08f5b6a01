"""``GET /users/{username}/inventory`` over real HTTP (API_FACTS.md §3, §4)."""

import json
import math
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests.sandbox.client import get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(30)]

INVENTORY = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data" / "inventory"
OWNER_KEYS = {"weight", "format_quantity", "external_id", "location"}
BIG = "synthetic-12000-500"  # 120 pages of 100: past the non-owner cap


@pytest.fixture(scope="module")
def recorded():
    pages = sorted(INVENTORY.glob("brotherlogic_*.json"), key=lambda p: int(p.stem.rsplit("page", 1)[1]))
    return [listing for page in pages for listing in json.loads(page.read_text())["listings"]]


@pytest.fixture(scope="module")
def owners():
    """A sandbox where two tokens act as the sellers themselves."""
    with SandboxProcess("--token", "bl-token=brotherlogic", "--token", f"big-token={BIG}",
                        "--limit-auth", "100000") as sandbox:
        yield sandbox


def crawl(sandbox, path, token="sandbox-token"):
    """Follow ``urls.next`` from ``path`` to the end; returns every page body."""
    pages, url = [], path
    while url:
        reply = get(sandbox, url, token=token)
        assert reply.status == 200, reply.body
        pages.append(reply.json())
        url = pages[-1]["pagination"]["urls"].get("next")
    return pages


def test_brotherlogic_pages_through_322_listings_over_320_releases(sandbox, recorded):
    pages = crawl(sandbox, "/users/brotherlogic/inventory?status=For+Sale&per_page=100")
    listings = [listing for page in pages for listing in page["listings"]]
    assert [page["pagination"]["page"] for page in pages] == [1, 2, 3, 4]
    assert len(listings) == len({l["id"] for l in listings}) == 322
    assert len({l["release"]["id"] for l in listings}) == 320
    assert [l["id"] for l in listings] == [l["id"] for l in recorded]  # default order: posted, as recorded


def test_the_name_is_case_insensitive(sandbox):
    assert get(sandbox, "/users/BrotherLogic/inventory").json()["pagination"]["items"] == 322


@pytest.mark.parametrize("per_page, expected", [(None, 50), ("7", 7), ("100", 100), ("500", 100), ("0", 1)])
def test_per_page_defaults_to_50_and_is_clamped_to_100(sandbox, per_page, expected):
    query = f"?per_page={per_page}" if per_page else ""
    body = get(sandbox, f"/users/brotherlogic/inventory{query}").json()
    assert body["pagination"]["per_page"] == expected
    assert body["pagination"]["pages"] == math.ceil(322 / expected)
    assert len(body["listings"]) == expected


@pytest.mark.parametrize("seller, page, keys", [
    ("brotherlogic", 1, {"last", "next"}),
    ("brotherlogic", 2, {"first", "prev", "next", "last"}),
    ("brotherlogic", 3, {"first", "prev", "next", "last"}),
    ("brotherlogic", 4, {"first", "prev"}),
    ("synthetic-5-5", 1, set()),
])
def test_urls_keys_only_where_they_apply(sandbox, seller, page, keys):
    body = get(sandbox, f"/users/{seller}/inventory?status=For+Sale&per_page=100&page={page}").json()
    urls = body["pagination"]["urls"]
    assert set(urls) == keys
    for name, url in urls.items():
        parts = urlsplit(url)
        assert url.startswith(f"{sandbox.url}/users/{seller}/inventory?")
        target = {"first": 1, "prev": page - 1, "next": page + 1, "last": 4}[name]
        assert parse_qsl(parts.query) == [("status", "For Sale"), ("per_page", "100"), ("page", str(target))]


@pytest.mark.parametrize("page, pages", [(5, 4), (0, 4), (99, 4)])
def test_a_page_past_the_end_is_404(sandbox, page, pages):
    reply = get(sandbox, f"/users/brotherlogic/inventory?per_page=100&page={page}")
    assert reply.status == 404
    assert reply.json() == {"message": f"Page {page} is outside of valid range [1, {pages}]."}


@pytest.mark.parametrize("path, status, message", [
    ("/users/no-such-seller-here/inventory", 404, "The requested resource was not found."),
    ("/users/synthetic-10-10-9999999/inventory", 404, "The requested resource was not found."),
    ("/users/brotherlogic/inventory?status=Bogus", 422,
     "Invalid status: expected one of All, Deleted, Draft, Expired, For Sale, Sold, Suspended, Violation."),
    ("/users/brotherlogic/inventory?status=for+sale", 422,
     "Invalid status: expected one of All, Deleted, Draft, Expired, For Sale, Sold, Suspended, Violation."),
])
def test_errors_carry_the_recorded_messages(sandbox, path, status, message):
    reply = get(sandbox, path)
    assert (reply.status, reply.json()) == (status, {"message": message})


@pytest.mark.parametrize("status, items", [("For Sale", 322), ("All", 322), ("Sold", 0), ("Draft", 0)])
def test_every_listing_served_is_for_sale(sandbox, status, items):
    body = get(sandbox, f"/users/brotherlogic/inventory?status={status.replace(' ', '+')}").json()
    assert body["pagination"]["items"] == items
    assert all(listing["status"] == "For Sale" for listing in body["listings"])


def test_non_owners_stop_at_page_100_while_the_size_is_reported_in_full(sandbox):
    first = get(sandbox, f"/users/{BIG}/inventory?per_page=100").json()["pagination"]
    assert (first["pages"], first["items"]) == (120, 12000)
    assert get(sandbox, f"/users/{BIG}/inventory?per_page=100&page=100").status == 200
    refused = get(sandbox, f"/users/{BIG}/inventory?per_page=100&page=101")
    assert refused.status == 403
    assert refused.json() == {"message": "Pagination above 100 disabled for inventories besides your own"}


def test_the_owner_reads_past_page_100(owners):
    reply = get(owners, f"/users/{BIG}/inventory?per_page=100&page=120", token="big-token")
    assert reply.status == 200
    assert len(reply.json()["listings"]) == 100
    assert get(owners, f"/users/{BIG}/inventory?per_page=100&page=101").status == 403  # sandbox user: capped


def test_the_owner_sees_the_recorded_listing_others_lose_owner_keys(owners, recorded):
    own = get(owners, "/users/brotherlogic/inventory?per_page=100", token="bl-token").json()["listings"]
    other = get(owners, "/users/brotherlogic/inventory?per_page=100").json()["listings"]
    assert own == recorded[:100]
    assert other == [{k: v for k, v in listing.items() if k not in OWNER_KEYS} for listing in recorded[:100]]


def test_a_synthetic_owner_gets_owner_keys(owners):
    own = get(owners, f"/users/{BIG}/inventory?per_page=5", token="big-token").json()["listings"]
    other = get(owners, f"/users/{BIG}/inventory?per_page=5").json()["listings"]
    assert all(OWNER_KEYS | {"quantity"} <= set(listing) for listing in own)
    assert not any((OWNER_KEYS | {"quantity"}) & set(listing) for listing in other)


def test_without_credentials_listing_images_are_empty(sandbox):
    anon = get(sandbox, "/users/brotherlogic/inventory?per_page=100", token=None).json()["listings"]
    authed = get(sandbox, "/users/brotherlogic/inventory?per_page=100").json()["listings"]
    for plain, full in zip(anon, authed):
        assert plain["release"]["thumbnail"] == ""
        images = plain["release"]["images"]
        assert all(image["uri"] == image["resource_url"] == image["uri150"] == "" for image in images)
        assert [i["width"] for i in plain["release"]["images"]] == [i["width"] for i in full["release"]["images"]]
    assert sum(bool(l["release"]["thumbnail"]) for l in authed) > 90


@pytest.mark.parametrize("sort, key", [
    ("price", lambda l: l["price"]["value"]),
    ("artist", lambda l: l["release"]["artist"].lower()),
    ("item", lambda l: l["release"]["title"].lower()),
    ("catno", lambda l: l["release"]["catalog_number"].lower()),
])
@pytest.mark.parametrize("seller", ["brotherlogic", "synthetic-400-150"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_and_sort_order(sandbox, seller, sort, key, order):
    sandbox.configure(limit_auth=1000)
    listings = [l for page in crawl(sandbox, f"/users/{seller}/inventory?per_page=100&sort={sort}&sort_order={order}")
                for l in page["listings"]]
    values = [key(listing) for listing in listings]
    assert values == sorted(values, reverse=order == "desc")
    assert len({listing["id"] for listing in listings}) == len(listings)


def test_a_100k_seller_is_computed_page_by_page(sandbox):
    reply = get(sandbox, "/users/synthetic-100000-20000/inventory?per_page=100&page=77")
    pagination = reply.json()["pagination"]
    assert (pagination["items"], pagination["pages"], len(reply.json()["listings"])) == (100000, 1000, 100)


def test_mutate_drops_and_reprices_until_reset(sandbox, recorded):
    sandbox.configure(limit_auth=1000)
    dropped, repriced = [recorded[0]["id"], recorded[200]["id"]], recorded[5]["id"]
    result = sandbox.mutate("brotherlogic", drop=dropped, reprice={str(repriced): 99.5})
    assert result == {"seller": "BrotherLogic", "items": 320, "dropped": 2, "repriced": 1, "unknown": []}
    listings = [l for page in crawl(sandbox, "/users/brotherlogic/inventory?per_page=100") for l in page["listings"]]
    assert len(listings) == 320 and not {l["id"] for l in listings} & set(dropped)
    changed = next(l for l in listings if l["id"] == repriced)
    assert changed["price"]["value"] == changed["original_price"]["value"] == 99.5
    assert changed["original_price"]["formatted"] == "$99.50"
    assert get(sandbox, f"/marketplace/listings/{dropped[0]}").status == 404
    sandbox.reset()
    assert get(sandbox, "/users/brotherlogic/inventory").json()["pagination"]["items"] == 322


def test_mutate_a_synthetic_seller(sandbox):
    first = get(sandbox, "/users/synthetic-50-10/inventory").json()["listings"][0]
    result = sandbox.mutate("synthetic-50-10", drop=[first["id"], 1], reprice={})
    assert (result["items"], result["unknown"]) == (49, [1])
    assert get(sandbox, "/users/synthetic-50-10/inventory").json()["listings"][0]["id"] != first["id"]
