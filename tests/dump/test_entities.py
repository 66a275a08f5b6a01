"""Masters, artists and labels dumps into the API's tables, through the API's mapping
(dump/entities.py, records.dump_rows_of). Runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL."""

import json

import pytest
from lxml import etree
from scrapy.settings import Settings

from discogs_harvest import records
from discogs_harvest.dump import entities
from discogs_harvest.dump.reader import DumpError
from discogs_harvest.freshness import database_for
from discogs_harvest.models import Artist, Label, Master, utcnow
from tests.dump.test_release import SAMPLE
from tests.pipelines.test_records import sample

MODELS = {"masters": Master, "artists": Artist, "labels": Label}
# Where a row came from: set differently by design.
PROVENANCE = {"fetched_at", "source", "dump_date"}


def settings(database_url):
    return Settings({"DATABASE_URL": database_url, "STORAGE_BATCH_SIZE": 200})


def import_file(database_url, path, kind, batch_size=5000):
    return entities.import_entities(settings(database_url), str(path), kind, batch_size=batch_size)


def stored(model):
    return {row["id"]: row for row in model.select().dicts()}


def api_row(resource, path):
    body = sample(path)
    ((_, row),) = records.rows_of(resource, body["id"], body, utcnow())
    return row


def non_null(row):
    return {key for key, value in row.items() if value is not None}


def label_xml(body):
    """A ``<labels>`` dump of one ``<label>``, written from an API body as Discogs writes the dump."""
    labels = etree.Element("labels")
    label = etree.SubElement(labels, "label")
    for tag, key in (("id", "id"), ("name", "name"), ("contactinfo", "contact_info"), ("profile", "profile"),
                     ("data_quality", "data_quality")):
        etree.SubElement(label, tag).text = str(body[key])
    urls = etree.SubElement(label, "urls")
    for url in body["urls"]:
        etree.SubElement(urls, "url").text = url
    sublabels = etree.SubElement(label, "sublabels")
    for sublabel in body["sublabels"]:
        etree.SubElement(sublabels, "label", id=str(sublabel["id"])).text = sublabel["name"]
    etree.SubElement(label, "parentLabel", id=str(body["parent_label"]["id"])).text = body["parent_label"]["name"]
    return etree.tostring(labels, encoding="utf-8")


def artist_xml(body):
    """An ``<artists>`` dump of one ``<artist>`` (members as the dump lists them: ``<id>``, ``<name id>``)."""
    artists = etree.Element("artists")
    artist = etree.SubElement(artists, "artist")
    for tag in ("id", "name", "profile", "data_quality"):
        etree.SubElement(artist, tag).text = str(body[tag])
    for tag, child in (("urls", "url"), ("namevariations", "name")):
        texts = etree.SubElement(artist, tag)
        for text in body[tag]:
            etree.SubElement(texts, child).text = text
    members = etree.SubElement(artist, "members")
    for member in body["members"]:
        etree.SubElement(members, "id").text = str(member["id"])
        etree.SubElement(members, "name", id=str(member["id"])).text = member["name"]
    return etree.tostring(artists, encoding="utf-8")


def master_xml(body):
    """A ``<masters>`` dump of one ``<master id>``."""
    masters = etree.Element("masters")
    master = etree.SubElement(masters, "master", id=str(body["id"]))
    etree.SubElement(master, "main_release").text = str(body["main_release"])
    artists = etree.SubElement(master, "artists")
    for credit in body["artists"]:
        artist = etree.SubElement(artists, "artist")
        for tag in ("id", "name", "anv", "join", "role", "tracks"):
            etree.SubElement(artist, tag).text = str(credit[tag]) or None
    for tag, child in (("genres", "genre"), ("styles", "style")):
        texts = etree.SubElement(master, tag)
        for text in body[tag]:
            etree.SubElement(texts, child).text = text
    for tag in ("year", "title", "data_quality"):
        etree.SubElement(master, tag).text = str(body[tag])
    return etree.tostring(masters, encoding="utf-8")


@pytest.mark.parametrize("kind, path, build, lacks", [
    ("artists", "artists/108713_nickelback_unauth_2024.json", artist_xml, {"members"}),  # a member's "active"
    ("masters", "masters/666_hellfire_2021.json", master_xml, {"num_for_sale", "lowest_price", "most_recent_release"}),
])
def test_an_artist_and_a_master_are_the_api_rows_but_what_the_dump_lacks(database_url, tmp_path, kind, path, build,
                                                                         lacks):
    body = sample(path)
    file = tmp_path / f"discogs_20240101_{kind}.xml"
    file.write_bytes(build(body))
    assert import_file(database_url, file, kind) == (1, 0)
    dump = stored(MODELS[kind])[body["id"]]
    api = api_row(kind[:-1], path)
    skip = PROVENANCE | {"web_url"} | lacks
    assert {k: v for k, v in dump.items() if k not in skip} == {k: v for k, v in api.items() if k not in skip}
    assert all(dump[k] is None for k in (lacks - {"members"}) | {"web_url"})
    if kind == "artists":
        assert [(m["id"], m["name"]) for m in json.loads(dump["members"])] == \
               [(m["id"], m["name"]) for m in body["members"]]


@pytest.mark.parametrize("kind", ["masters", "artists", "labels"])
def test_every_sample_imports(database_url, kind):
    path = SAMPLE.replace("releases", kind)
    assert entities.kind_of(path) == kind
    model = MODELS[kind]
    written, kept = import_file(database_url, path, kind)
    rows = stored(model)
    assert written == len(rows) == {"masters": 2, "artists": 3, "labels": 2}[kind] and kept == 0
    assert {(r["source"], r["dump_date"], r["fetched_at"]) for r in rows.values()} == {("dump", "2020-08-06", None)}
    if kind == "labels":
        planet_e = rows[1]
        assert planet_e["name"] == "Planet E" and "\r\n" in planet_e["contact_info"]
        assert json.loads(planet_e["urls"])[0] == "http://planet-e.net"
        assert planet_e["sublabels"] is None  # the sample's <sublabels> are empty <label/> elements
    if kind == "artists":
        assert rows[1]["realname"] == "Jesper Dahlbäck"
        assert json.loads(rows[1]["aliases"])[0] == {"id": 239, "name": "Jesper Dahlbäck"}
        assert json.loads(rows[2]["members"]) == [{"id": 26, "name": "Alexi Delano"},
                                                  {"id": 27, "name": "Cari Lekebusch"}]
        assert rows[1]["profile"] is None  # <profile/>
    if kind == "masters":
        master = rows[113]
        assert (master["main_release"], master["title"], master["year"]) == (116925, "Moments In Time", 2002)
        assert master["artist"] == "Vince Watson" and json.loads(master["styles"]) == ["Techno", "Tech House"]
    assert import_file(database_url, path, kind) == (written, 0)  # again: upserts, no duplicates
    assert stored(model) == rows


def test_label_1_has_the_api_recordings_columns_but_what_the_dump_lacks(database_url):
    import_file(database_url, SAMPLE.replace("releases", "labels"), "labels")
    dump = Label.get_by_id(1).__data__
    api = api_row("label", "labels/1_planet-e_2014.json")
    assert set(dump) == set(api) == set(Label._meta.fields)  # one table, one mapping
    # The dump has no uri (web_url) and the sample's sublabels are empty; it was never fetched.
    assert non_null(api) - non_null(dump) == {"web_url", "sublabels", "fetched_at"}
    assert non_null(dump) - non_null(api) == {"dump_date"}
    assert (dump["id"], dump["name"], dump["source"], api["source"]) == (1, "Planet E", "dump", "api")


def test_a_label_with_sublabels_and_parent_is_the_api_row(database_url, tmp_path):
    body = dict(sample("labels/1_planet-e_2014.json"), parent_label=sample("labels/1611434_2022.json")["parent_label"])
    path = tmp_path / "discogs_20240101_labels.xml"
    path.write_bytes(label_xml(body))
    assert b"&#13;" in path.read_bytes()  # \r in the text, as the dumps write it
    assert import_file(database_url, path, "labels") == (1, 0)
    ((_, api),) = records.rows_of("label", 1, body, utcnow())
    dump = stored(Label)[1]
    assert {k: v for k, v in dump.items() if k not in PROVENANCE | {"web_url"}} == \
           {k: v for k, v in api.items() if k not in PROVENANCE | {"web_url"}}
    assert json.loads(dump["sublabels"])[0] == {"id": 86537, "name": "Antidote (4)"}
    assert (dump["parent_label_id"], dump["parent_label_name"]) == (1447907, "All Possible Worlds")
    assert (dump["source"], dump["dump_date"], dump["fetched_at"], dump["web_url"]) == ("dump", "2024-01-01", None,
                                                                                         None)


def test_an_api_row_is_kept(database_url):
    database_for(database_url)
    api = api_row("label", "labels/1_planet-e_2014.json")
    Label.insert(api).execute()
    Label.insert(id=2, name="written before the source column").execute()  # source NULL: from the API
    assert import_file(database_url, SAMPLE.replace("releases", "labels"), "labels") == (0, 2)
    rows = stored(Label)
    assert rows[1]["profile"] == api["profile"] and rows[1]["source"] == "api" and rows[1]["fetched_at"]
    assert (rows[2]["name"], rows[2]["source"]) == ("written before the source column", None)


def test_a_dump_row_is_replaced_by_the_api_row(database_url):
    import_file(database_url, SAMPLE.replace("releases", "labels"), "labels")
    writer = entities.DumpWriter.for_settings(settings(database_url))
    body = sample("labels/1_planet-e_2014.json")
    records.write(writer.upsert, [("label", "1", body)], utcnow())
    row = stored(Label)[1]
    assert (row["source"], row["dump_date"], row["web_url"]) == ("api", None, "http://www.discogs.com/label/1-Planet-E")
    assert row["fetched_at"] is not None


def test_a_truncated_file_is_one_line_and_keeps_the_committed_batches(database_url, tmp_path):
    labels = "".join(f"<label><id>{n}</id><name>Label {n}</name><sublabels><label id=\"{n + 1000}\">Sub</label>"
                     f"</sublabels></label>\n" for n in range(1, 251))
    data = f"<labels>\n{labels}</labels>\n".encode()
    path = tmp_path / "discogs_20200806_labels.xml"
    path.write_bytes(data[:int(len(data) * 0.7)])
    with pytest.raises(DumpError, match="truncated") as error:
        import_file(database_url, path, "labels", batch_size=100)
    assert "\n" not in str(error.value) and "after 100 labels committed" in str(error.value)
    assert sorted(stored(Label)) == list(range(1, 101))  # whole batches, nothing half-written
