"""DumpWriter (executemany) writes exactly the rows StoragePipeline writes, first time and again."""

import sqlite3
from types import SimpleNamespace

import pytest

from scrapy.settings import Settings

from discogs_harvest.dump.importer import dump_item
from discogs_harvest.dump.writer import DumpWriter, Prepared
from discogs_harvest.freshness import close_database, database_for
from discogs_harvest.models import Album, utcnow
from discogs_harvest.rebuild import writer_for
from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.dumps import synthetic_release

TABLES = ("albums", "tracks", "youtube_videos", "album_videos", "album_genres", "album_styles", "genres", "styles",
          "album_artists", "album_credits", "album_labels", "album_companies", "album_series", "album_formats",
          "album_identifiers", "album_images")
NOW = utcnow()


def written(path, make_writer, rounds):
    url = f"sqlite:///{path}"
    database = database_for(url)
    writer = make_writer(Settings({"DATABASE_URL": url, "STORAGE_BATCH_SIZE": 200}))
    for items in rounds:
        with database.atomic():
            writer.write_records(items, [], NOW)
    close_database(url)
    with sqlite3.connect(path) as connection:
        return {table: sorted(map(repr, connection.execute(f"SELECT * FROM {table}"))) for table in TABLES}


def prepared_writer(settings):
    """A DumpWriter whose batches are prepared, then written with the albums stored before them
    (deletes only for those), as the importer writes them."""
    writer = DumpWriter.for_settings(settings)

    def write_records(items, listings, now):
        ids = [str(item.release_id) for item in items]
        stored = set(Album.select(Album.discogs_release_id).where(Album.discogs_release_id.in_(ids)).tuples())
        return writer.write_prepared(writer.prepare(items, now), {album_id for (album_id,) in stored})

    return SimpleNamespace(write_records=write_records)


@pytest.mark.parametrize("make_writer", [DumpWriter.for_settings, prepared_writer], ids=["direct", "prepared"])
def test_dump_writer_writes_what_storage_writes(tmp_path, make_writer):
    def items(first, count, title=None):
        made = []
        for n in range(first, first + count):
            body = synthetic_release(gen.SYNTHETIC_BASE + n)
            if title:
                body["title"], body["tracklist"] = title, body["tracklist"][:1]
            made.append(dump_item(body, "2020-08-06"))
        return made

    rounds = [items(0, 60), items(30, 60, title="Again")]  # new rows, then upserts and shorter tracklists
    expected = written(tmp_path / "storage.db", writer_for, rounds)
    got = written(tmp_path / "dump.db", make_writer, rounds)
    assert expected["albums"] and got == expected


@pytest.mark.parametrize("make_writer", [DumpWriter.for_settings, prepared_writer], ids=["direct", "prepared"])
def test_rows_with_one_key_in_one_batch_end_as_the_last_says(tmp_path, make_writer):
    """Releases of one batch sharing a video: on SQLite the writer sends several rows per
    INSERT, and the video's row must end as the storage pipeline leaves it (the last release's)."""
    items = []
    for n in range(40):
        body = synthetic_release(gen.SYNTHETIC_BASE + n)
        body["videos"] = [{"uri": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": f"Take {n}",
                           "description": f"Release {n}", "duration": 200 + n, "embed": n % 2 == 0}]
        items.append(dump_item(body, "2020-08-06"))
    expected = written(tmp_path / "storage.db", writer_for, [items])
    got = written(tmp_path / "dump.db", make_writer, [items])
    assert len(expected["youtube_videos"]) == 1 and "Take 39" in expected["youtube_videos"][0]
    assert got == expected


@pytest.mark.parametrize("value, kind", [("2020-08-06 00:00:00", b"m"), (NOW, b"p")], ids=["marshal", "pickle"])
def test_a_packed_batch_unpacks_as_it_was(value, kind):
    """Helpers send a batch with marshal, or pickle when a value is of a type marshal refuses."""
    prepared = Prepared([1, 2], [("many", "INSERT ..", [("1", None, 2.5, True, value)]),
                                 ("call", "delete_stale_tracks", ({"1": [0, 1]},)),
                                 ("named", "INSERT ..", [("1", "jazz", 0)], 1, "genres")], 3)
    packed = prepared.pack()
    assert packed[:1] == kind and Prepared.unpack(packed) == prepared
