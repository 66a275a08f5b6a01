"""scrapy import_dump's importer: rows, selections, resume after a kill, bad files."""

import gc
import gzip
import os
import shutil

import pytest
from scrapy.settings import Settings

from discogs_harvest.dump.checksum import verify
from discogs_harvest.dump.importer import ReleaseDumpImporter
from discogs_harvest.dump.reader import DumpError
from discogs_harvest.dump.selection import Everything, Ids, Tags, record_id, selection_for
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.freshness import database_for
from discogs_harvest.models import Album, AlbumStyle, CollectionItem, Style, Track
from discogs_harvest.sandbox import generator as gen
from discogs_harvest.sandbox.dumps import synthetic_release, write_dump
from tests.dump.test_release import SAMPLE

COUNT = 500


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated dump of COUNT synthetic releases, gzip-compressed, with its CHECKSUM.txt."""
    return write_dump(str(tmp_path_factory.mktemp("dump")), COUNT)


def importer(database_url, path, selection=None, batch=100, workers=1, prepare=1000):
    settings = Settings({"DATABASE_URL": database_url, "DUMP_IMPORT_BATCH_SIZE": batch, "STORAGE_BATCH_SIZE": 200,
                         "DUMP_IMPORT_WORKERS": workers, "DUMP_IMPORT_PREPARE_SIZE": prepare})
    return ReleaseDumpImporter(settings, path, selection or Everything())


def test_sample_dump_imports_every_release(database_url, tmp_path):
    path = shutil.copy(SAMPLE, tmp_path / "discogs_20200806_releases.xml")
    state = importer(database_url, str(path)).run()
    assert (state.records, state.imported, state.dump_date) == (6, 6, "2020-08-06")
    albums = {a.discogs_release_id: a for a in Album.select()}
    assert sorted(albums, key=int) == ["1", "25", "41", "103", "1586309", "3019999"]
    assert {(a.source, a.dump_date, a.fetched_at) for a in albums.values()} == {("dump", "2020-08-06", None)}
    assert Track.select().where(Track.album == "3019999", Track.type == "heading").count() == 3


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_full_import_of_a_generated_dump(database_url, generated, workers):
    state = importer(database_url, generated, workers=workers).run()
    assert (state.records, state.imported) == (COUNT, COUNT)
    assert Album.select().count() == COUNT
    first = synthetic_release(gen.SYNTHETIC_BASE)
    album = Album.get_by_id(str(gen.SYNTHETIC_BASE))
    assert (album.title, album.country, album.master_id) == (first["title"], first["country"], first.get("master_id"))


@pytest.mark.parametrize("workers", [0, 2])
def test_a_batch_prepared_in_parts_is_written_in_file_order_in_one_transaction(database_url, generated, workers,
                                                                               monkeypatch):
    commits = []
    original = ReleaseDumpImporter.commit

    def counted(self, state, *args, **kwargs):
        original(self, state, *args, **kwargs)
        commits.append(state.imported)

    monkeypatch.setattr(ReleaseDumpImporter, "commit", counted)
    state = importer(database_url, generated, batch=200, workers=workers, prepare=70).run()
    assert (state.records, state.imported) == (COUNT, COUNT)
    assert commits == [200, 400, 500]
    # Rows get their ids in file order, part after part, as one batch of 200 would give them.
    tracks = list(Track.select(Track.album, Track.sequence).order_by(Track.id).tuples())
    assert tracks == sorted(tracks, key=lambda track: (int(track[0]), track[1]))
    assert len({album for album, _ in tracks}) == COUNT


def test_an_import_leaves_garbage_collection_as_it_found_it(database_url, generated, tmp_path):
    # The import freezes the collector's objects and collects less often while it runs
    # (importer.tune_gc), also when it fails.
    before = (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled())
    importer(database_url, generated, workers=0).run()
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before
    cut = tmp_path / "discogs_20200806_releases.xml"
    with gzip.open(generated, "rb") as source:
        cut.write_bytes(source.read()[:-5000])
    with pytest.raises(DumpError):
        importer(database_url, str(cut), workers=0).run()
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before


def test_selective_imports_skip_the_rest(database_url, generated, tmp_path):
    latin = importer(database_url, generated, Tags(styles="Latin")).run()
    stored = {a for (a,) in Album.select(Album.discogs_release_id).tuples()}
    expected = {str(gen.SYNTHETIC_BASE + n) for n in range(COUNT)
                if "Latin" in (synthetic_release(gen.SYNTHETIC_BASE + n).get("styles") or ())}
    assert stored == expected and latin.imported == len(expected) and latin.records == COUNT
    assert {s for (s,) in Style.select(Style.name).join(AlbumStyle).tuples()} >= {"Latin"}
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# two releases\n{gen.SYNTHETIC_BASE + 5}\n\n{gen.SYNTHETIC_BASE + 7}\n")
    selected = importer(database_url, generated, selection_for(ids=str(ids))).run()
    assert selected.imported == 2


def test_referenced_selection_reads_collection_items(database_url):
    database_for(database_url)
    CollectionItem.insert_many([{"listing_id": 1, "release_id": 11, "collection_id": "inventory:a"},
                                {"listing_id": 2, "release_id": 12, "collection_id": "wants:a"}]).execute()
    selection = Ids.referenced()
    assert selection.ids == {11, 12}
    assert selection(b'<release id="12" status="Accepted">') and not selection(b'<release id="13" status="x">')
    assert record_id(b'<release id="42" status="Accepted">') == 42


def test_a_killed_import_resumes_after_its_last_committed_batch(database_url, generated, monkeypatch):
    run = importer(database_url, generated)
    commits = []
    original = ReleaseDumpImporter.commit

    def dying(self, state, *args, **kwargs):
        if len(commits) == 2:
            raise KeyboardInterrupt  # killed while the third batch was being prepared
        commits.append(state)
        return original(self, state, *args, **kwargs)

    monkeypatch.setattr(ReleaseDumpImporter, "commit", dying)
    with pytest.raises(KeyboardInterrupt):
        run.run()
    assert Album.select().count() == 200
    monkeypatch.setattr(ReleaseDumpImporter, "commit", original)
    seen = []

    class Spy(Everything):
        def __call__(self, record):
            seen.append(record_id(record))
            return True

    state = importer(database_url, generated, Spy()).run()
    assert seen[0] == gen.SYNTHETIC_BASE + 200 and len(seen) == COUNT - 200
    assert (state.records, state.imported) == (COUNT, COUNT) and Album.select().count() == COUNT


@pytest.mark.parametrize("cut", [0.5, 0.999])
def test_a_truncated_file_is_one_error_and_keeps_what_was_committed(database_url, generated, tmp_path, cut):
    data = gzip.decompress(open(generated, "rb").read())
    path = tmp_path / "discogs_20200806_releases.xml"
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(DumpError, match="truncated"):
        importer(database_url, str(path)).run()
    committed = Album.select().count()
    assert committed > 0 and committed % 100 == 0  # whole batches, nothing half-written


def test_a_cut_gzip_stream_is_one_error(database_url, generated, tmp_path):
    path = tmp_path / "discogs_20200806_releases.xml.gz"
    path.write_bytes(open(generated, "rb").read()[:-5000])
    with pytest.raises(DumpError, match="cut or corrupt"):
        importer(database_url, str(path)).run()
    assert Album.select().count() > 0


def test_checksum(generated, tmp_path):
    checksum = os.path.join(os.path.dirname(generated), "discogs_20200806_CHECKSUM.txt")
    assert len(verify(generated, checksum)) == 64
    bad = tmp_path / "discogs_20200806_releases.xml.gz"
    data = bytearray(open(generated, "rb").read())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(HarvestConfigError, match="does not match"):
        verify(str(bad), checksum)


def test_api_releases_are_kept(database_url, generated):
    database_for(database_url)
    run = importer(database_url, generated, Ids([gen.SYNTHETIC_BASE, gen.SYNTHETIC_BASE + 1], "test"))
    Album.insert(discogs_release_id=str(gen.SYNTHETIC_BASE), artist="from the API", title="t", source="api",
                 have_count=7).execute()
    state = run.run()
    assert (state.imported, state.kept) == (1, 1)
    assert Album.get_by_id(str(gen.SYNTHETIC_BASE)).have_count == 7


@pytest.mark.parametrize("workers", [0, 1])
def test_a_release_stored_from_the_api_while_its_batch_is_built_is_kept(database_url, generated, workers,
                                                                         monkeypatch):
    """The batch is checked again when committed: a harvest may store a release meanwhile."""
    database_for(database_url)
    run = importer(database_url, generated, Ids([gen.SYNTHETIC_BASE, gen.SYNTHETIC_BASE + 1], "test"),
                   workers=workers)
    checked = run.fetched_from_api

    def stored_meanwhile(release_ids):
        if gen.SYNTHETIC_BASE in release_ids and not Album.select().where(
                Album.discogs_release_id == str(gen.SYNTHETIC_BASE)).exists():
            Album.insert(discogs_release_id=str(gen.SYNTHETIC_BASE), artist="from the API", title="t",
                         source="api", have_count=7).execute()
            return set()  # not yet stored when the batch was handed out
        return checked(release_ids)

    monkeypatch.setattr(run, "fetched_from_api", stored_meanwhile)
    state = run.run()
    assert (state.imported, state.kept) == (1, 1)
    assert Album.get_by_id(str(gen.SYNTHETIC_BASE)).have_count == 7
    assert Track.select().where(Track.album == str(gen.SYNTHETIC_BASE)).count() == 0
    assert Album.get_by_id(str(gen.SYNTHETIC_BASE + 1)).source == "dump"
