"""The recorded records of every way in, stored field by field through storage (records.py),
and derived again the same from the kept bodies by ``scrapy rebuild``. Runs on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL."""

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import records
from discogs_harvest.items import RawBodyItem
from discogs_harvest.models import (Artist, CollectionItem, EntityRelease, Label, MarketStats, Master,
                                    PriceSuggestion, RawBody, SearchResult, Want)
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.rebuild import rebuild

SAMPLES = Path(__file__).resolve().parents[2] / "discogs_harvest" / "sandbox" / "data"


def sample(path):
    return json.loads((SAMPLES / path).read_text(encoding="utf-8"))


def recorded_items():
    """One RawBodyItem per recorded record, as the spiders yield them."""
    items = []
    for entry in sample("collection/Username_folder0_2022.json")["releases"]:
        items.append(RawBodyItem("collection_item", records.collection_item_id("Username", 0, entry["instance_id"]),
                                 json.dumps(entry)))
    for entry in sample("wants/brotherlogic_per100_page1.json")["wants"][:3]:
        items.append(RawBodyItem("want", records.want_id("brotherlogic", entry["id"]), json.dumps(entry)))
    items.append(RawBodyItem("label", "1", json.dumps(sample("labels/1_planet-e_2014.json"))))
    items.append(RawBodyItem("label", "1611434", json.dumps(sample("labels/1611434_2022.json"))))
    items.append(RawBodyItem("artist", "108713", json.dumps(sample("artists/108713_nickelback_unauth_2024.json"))))
    items.append(RawBodyItem("master", "1521183", json.dumps(sample("masters/1521183_dj-healer_2022.json"))))
    for entry in sample("label_releases/1611434_2022.json")["releases"]:
        items.append(RawBodyItem("label_release", records.list_entry_id(1611434, entry), json.dumps(entry)))
    for entry in sample("artist_releases/6418741_2022.json")["releases"]:
        items.append(RawBodyItem("artist_release", records.list_entry_id(6418741, entry), json.dumps(entry)))
    for entry in sample("master_versions/1521183_2022.json")["versions"]:
        items.append(RawBodyItem("master_version", records.list_entry_id(1521183, entry), json.dumps(entry)))
    for entry in sample("search/dj-healer_2022.json")["results"]:
        items.append(RawBodyItem("search_result", records.search_result_id("q=healer", entry), json.dumps(entry)))
    items.append(RawBodyItem("marketplace_stats", "249504", json.dumps(sample("marketplace_stats/docs-example.json"))))
    items.append(RawBodyItem("price_suggestions", "1215019", json.dumps(sample("price_suggestions/1215019.json"))))
    return items


@pytest.fixture
def stored(crawler, database):
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in recorded_items():
        pipeline.process_item(item)
    pipeline.flush()
    return database


def rows_of(model, *order):
    return [row for row in model.select().order_by(*order).dicts()]


def test_collection_instance_stored_field_by_field(stored):
    (row,) = rows_of(CollectionItem)
    assert row["collection_id"] == "collection:username/0" and row["instance_id"] == 519662456
    assert (row["folder_id"], row["rating"], row["release_id"]) == (1, 0, 54524)
    assert str(row["date_added"]) == "2020-10-28 16:37:50"  # -07:00 taken to UTC
    assert json.loads(row["notes"]) == [{"field_id": 1, "value": "Very Good Plus (VG+)"},
                                        {"field_id": 2, "value": "Generic"}]
    assert (row["artist"], row["title"], row["year"], row["label"], row["catalog_number"]) == \
        ("Gus Gus", "Purple", 1997, "4AD", "GUS 7")
    assert row["format"] == 'Vinyl, 12", 45 RPM, Promo, White Label'
    assert row["listing_id"] is None and row["album"] is None and row["is_available"]


def test_wants_stored_field_by_field(stored):
    first = rows_of(Want, Want.id)[0]
    assert (first["username"], first["release_id"], first["rating"], first["notes"]) == \
        ("brotherlogic", 9997880, 0, None)
    assert str(first["date_added"]) == "2020-09-17 15:08:30"
    assert first["artist"] == "The New York Rock & Roll Ensemble" and first["label"] == "2000 FruitGum Corp."
    assert first["catalog_number"] == "COL-CD-6529" and first["year"] == 2005


def test_labels_artists_masters_stored_field_by_field(stored):
    planet_e, forgotten = rows_of(Label, Label.id)
    assert planet_e["name"] == "Planet E" and planet_e["profile"].startswith(sample("labels/1_planet-e_2014.json")
                                                                             ["profile"][:20])
    assert json.loads(planet_e["sublabels"])[0] == {"id": 86537, "name": "Antidote (4)"}
    assert json.loads(planet_e["urls"]) == sample("labels/1_planet-e_2014.json")["urls"]
    assert planet_e["contact_info"] and planet_e["parent_label_id"] is None
    assert (forgotten["parent_label_id"], forgotten["parent_label_name"]) == (1447907, "All Possible Worlds")
    assert forgotten["web_url"] == "https://www.discogs.com/label/1611434-Forgotten-World"
    (artist,) = rows_of(Artist)
    assert artist["name"] == "Nickelback" and json.loads(artist["namevariations"]) == sample(
        "artists/108713_nickelback_unauth_2024.json")["namevariations"]
    assert json.loads(artist["members"])[0] == {"id": 270222, "name": "Chad Kroeger", "active": True}
    assert json.loads(artist["urls"])[0] == "http://www.nickelback.com/"
    (master,) = rows_of(Master)
    body = sample("masters/1521183_dj-healer_2022.json")
    assert (master["title"], master["main_release"], master["most_recent_release"], master["year"]) == \
        (body["title"], body["main_release"], body["most_recent_release"], body["year"])
    assert master["artist"] == "DJ Healer" and json.loads(master["genres"]) == body["genres"]


def test_release_lists_and_search_stored_field_by_field(stored):
    rows = {(r["source"], r["item_type"], r["item_id"]): r for r in rows_of(EntityRelease)}
    assert len(rows) == 2 + 3 + 2
    label = rows[("label", "release", 13358737)]
    assert (label["title"], label["artist"], label["catalog_number"], label["format"], label["year"]) == \
        ("Forgotten World 1", "Golden Baby", "fw1", '12"', 2019)
    assert (label["have_count"], label["want_count"], label["release_id"]) == (1051, 616, 13358737)
    master = rows[("artist", "master", 1521183)]
    assert (master["role"], master["release_id"]) == ("Main", 11849140)  # enriched through its main release
    version = rows[("master", "release", 11849140)]
    assert (version["country"], version["released"], version["label"], version["catalog_number"]) == \
        ("Germany", "2018", "All Possible Worlds", "APW-2")
    results = {r["result_id"]: r for r in rows_of(SearchResult)}
    first = results[1521183]
    assert (first["search"], first["result_type"], first["year"], first["country"]) == \
        ("q=healer", "master", 2018, "Germany")
    assert first["web_url"] == "https://www.discogs.com/DJ-Healer-Nothing-2-Loose/master/1521183"
    assert (first["have_count"], first["want_count"]) == (1850, 2496)


def test_marketplace_figures_stored_with_when_they_were_taken(stored):
    (figures,) = rows_of(MarketStats)
    assert (figures["release_id"], figures["lowest_price"], figures["currency"], figures["num_for_sale"],
            figures["blocked_from_sale"]) == (249504, 2.09, "USD", 26, False)
    assert figures["taken_at"] is not None
    suggestions = {r["condition"]: r for r in rows_of(PriceSuggestion)}
    assert len(suggestions) == 8 and suggestions["Mint (M)"]["value"] == 18.75
    assert suggestions["Mint (M)"]["currency"] == "USD" and suggestions["Mint (M)"]["taken_at"] is not None


def test_every_record_is_kept_and_storing_again_changes_nothing(crawler, stored):
    assert RawBody.select().count() == len(recorded_items())
    before = {model: rows_of(model, *model._meta.sorted_fields[:1]) for model in (Want, EntityRelease, SearchResult)}
    pipeline = build_from_crawler(StoragePipeline, crawler)
    for item in recorded_items():
        pipeline.process_item(item)
    pipeline.flush()
    for model, rows in before.items():
        after = rows_of(model, *model._meta.sorted_fields[:1])
        assert [{k: v for k, v in r.items() if k != "fetched_at"} for r in after] == \
               [{k: v for k, v in r.items() if k != "fetched_at"} for r in rows]


def test_rebuild_derives_the_same_rows_from_the_kept_bodies(stored, database_url):
    models = (CollectionItem, Want, Label, Artist, Master, EntityRelease, SearchResult, MarketStats, PriceSuggestion)

    def snapshot():
        return {model: sorted(json.dumps({k: str(v) for k, v in row.items() if k != "id"}, sort_keys=True)
                              for row in model.select().dicts()) for model in models}

    before = snapshot()
    for model in models:
        model.delete().execute()
    counts = rebuild(Settings({"DATABASE_URL": database_url, "STORAGE_BATCH_SIZE": 50}))
    assert counts["want"] == 3 and counts["collection_item"] == 1
    assert snapshot() == before
