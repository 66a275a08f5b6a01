"""Collections, wantlists, label/artist/master lists, search and marketplace figures over real
HTTP: recorded entries as recorded, synthetic lists of any size, Discogs' pagination, privacy
and error bodies (API_FACTS.md §2, §3)."""

import json
from pathlib import Path

import pytest

from tests.sandbox.client import get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60)]

DATA = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data"


def load(path):
    return json.loads((DATA / path).read_text(encoding="utf-8"))


def all_pages(sandbox, path):
    """Every entry of a paged list, following ``urls.next`` as a client must."""
    reply = get(sandbox, path).json()
    key = next(k for k in reply if k not in ("pagination", "filters", "filter_facets"))
    entries, pages = list(reply[key]), [reply["pagination"]]
    while "next" in reply["pagination"]["urls"]:
        reply = get(sandbox, reply["pagination"]["urls"]["next"]).json()
        entries += reply[key]
        pages.append(reply["pagination"])
    return entries, pages


@pytest.mark.parametrize("path, recording, key", [
    ("/users/Username/collection/folders/0/releases", "collection/Username_folder0_2022.json", "releases"),
    ("/labels/1611434/releases", "label_releases/1611434_2022.json", "releases"),
    ("/artists/6418741/releases", "artist_releases/6418741_2022.json", "releases"),
    ("/masters/1521183/versions", "master_versions/1521183_2022.json", "versions"),
])
def test_recorded_lists_are_served_as_recorded(sandbox, path, recording, key):
    assert get(sandbox, path).json()[key] == load(recording)[key]


def test_recorded_collection_pages_hold_its_recorded_entries(sandbox):
    recorded = load("collection/brotherlogic_folder0_per100_page1.json")["releases"]
    recorded += load("collection/brotherlogic_folder0_per100_page32_last.json")["releases"]
    entries, pages = all_pages(sandbox, "/users/brotherlogic/collection/folders/0/releases?per_page=100")
    assert entries == recorded and [p["page"] for p in pages] == [1, 2]
    assert pages[0]["urls"].keys() == {"next", "last"} and pages[-1]["urls"].keys() == {"first", "prev"}


def test_synthetic_collection_pages_completely_with_discogs_pagination(sandbox):
    entries, pages = all_pages(sandbox, "/users/synthetic-1234/collection/folders/0/releases?per_page=100")
    assert len(entries) == pages[0]["items"] == 1234
    assert len({e["instance_id"] for e in entries}) == 1234
    assert len({e["id"] for e in entries}) < 1234  # some releases are owned twice
    assert pages[0]["pages"] == 13 and len(pages) == 13
    folder1, _ = all_pages(sandbox, "/users/synthetic-1234/collection/folders/1/releases?per_page=100")
    folder2, _ = all_pages(sandbox, "/users/synthetic-1234/collection/folders/2/releases?per_page=100")
    assert {e["instance_id"] for e in folder1 + folder2} == {e["instance_id"] for e in entries}
    assert {e["folder_id"] for e in folder1} == {1}


def test_per_page_is_clamped_and_past_the_end_is_discogs_message(sandbox):
    reply = get(sandbox, "/users/synthetic-500/wants?per_page=500").json()
    assert reply["pagination"]["per_page"] == 100 and reply["pagination"]["pages"] == 5
    past = get(sandbox, "/users/synthetic-500/wants?per_page=100&page=6")
    assert past.status == 404 and past.json() == {"message": "Page 6 is outside of valid range [1, 5]."}


def test_private_collection_is_refused_to_anyone_but_its_owner(sandbox):
    refused = get(sandbox, "/users/private-10/collection/folders/0/releases")
    assert refused.status == 403
    assert refused.json() == {"message": "You don't have permission to access this resource."}
    assert get(sandbox, "/users/private-10/wants").status == 403


def test_unknown_user_folder_and_entities_get_discogs_errors(sandbox):
    assert get(sandbox, "/users/nobody-here/wants").status == 404
    folder = get(sandbox, "/users/synthetic-5/collection/folders/9/releases")
    assert folder.status == 404 and folder.json() == {"message": "The requested folder does not exist."}
    assert get(sandbox, "/labels/999/releases").json() == {"message": "Label not found."}
    assert get(sandbox, "/masters/999/versions").json() == {"message": "Master Release not found."}


def test_synthetic_entities_and_their_lists(sandbox):
    label = get(sandbox, "/labels/2000001200").json()
    assert label["name"] == "Synthetic Label 1200" and label["sublabels"]
    entries, pages = all_pages(sandbox, "/labels/2000001200/releases?per_page=100")
    assert len(entries) == pages[0]["items"] == 1200
    artist, _ = all_pages(sandbox, "/artists/2000000010/releases")
    assert {e["type"] for e in artist} == {"master", "release"}


def test_master_versions_filters_pass_through(sandbox):
    versions, _ = all_pages(sandbox, "/masters/2000000040/versions?country=Japan")
    assert len(versions) == 10 and {v["country"] for v in versions} == {"Japan"}


def test_search_needs_credentials_and_is_capped(sandbox):
    refused = get(sandbox, "/database/search?q=healer", token=None)
    assert refused.status == 401
    assert refused.json() == {"message": "You must authenticate to access this resource."}
    assert len(get(sandbox, "/database/search?q=healer").json()["results"]) == 3
    big = get(sandbox, "/database/search?q=synthetic-25000&per_page=50").json()["pagination"]
    assert big["items"] == 25000 and big["pages"] == 200  # 10,000 reachable, the rest not
    assert get(sandbox, "/database/search?q=synthetic-25000&per_page=50&page=201").status == 404


def test_marketplace_figures(sandbox):
    assert get(sandbox, "/marketplace/stats/1").json() == load("marketplace_stats/1_joalla-fixture.json")
    stats = get(sandbox, "/marketplace/stats/90000001").json()
    assert set(stats) == {"lowest_price", "num_for_sale", "blocked_from_sale"}
    assert get(sandbox, "/marketplace/stats/5").status == 404
    assert get(sandbox, "/marketplace/price_suggestions/1215019").json() == load("price_suggestions/1215019.json")
    assert get(sandbox, "/marketplace/price_suggestions/2576105").json() == {}
    assert get(sandbox, "/marketplace/price_suggestions/1215019", token=None).status == 401


def test_sort_orders_of_recorded_lists(sandbox):
    recorded = load("wants/brotherlogic_per100_page1.json")["wants"]
    newest = get(sandbox, "/users/brotherlogic/wants?per_page=100&sort=added&sort_order=desc").json()["wants"]
    assert [w["date_added"] for w in newest] == sorted((w["date_added"] for w in recorded), reverse=True)
    by_title = get(sandbox, "/labels/1611434/releases?sort=title&sort_order=desc").json()["releases"]
    assert [r["title"] for r in by_title] == ["Forgotten World 2", "Forgotten World 1"]
