"""Kept insert texts (pipelines/inserts.py): peewee's own text and parameters, rendered once a shape."""

import dataclasses
import datetime

import pytest
from scrapy.utils.misc import build_from_crawler

from discogs_harvest.items import InventoryPageItem, RawBodyItem
from discogs_harvest.pipelines.inserts import Inserts
from discogs_harvest.pipelines.storage import StoragePipeline
from tests.pipelines import factories

PAGE = '{"pagination": {"page": 1, "pages": 1, "items": 1, "per_page": 100, "urls": {}}, "listings": []}'


def batch(shift):
    """One of everything storage writes; ``shift`` moves the ids, not the shapes."""
    releases = [dataclasses.replace(factories.release(), release_id=factories.UMILIANI + shift + n) for n in (0, 1)]
    listings = [factories.listing(listing_id=891183783 + shift + n, release_id=factories.UMILIANI + shift + n)
                for n in (0, 1)]
    return [*releases, *listings,
            InventoryPageItem(seller_username="Shop", status="For Sale", page=1 + shift, next_url=None,
                              pages_total=1, body=PAGE),
            RawBodyItem("label", 1 + shift, '{"id": %d, "name": "A Label"}' % (1 + shift))]


def comparable(params):
    """Timestamps from a field's default differ by microseconds between two renderings; a
    blob is a new wrapper object each time (psycopg2's ``Binary``: compare what it wraps)."""
    return [type(p).__name__ if isinstance(p, datetime.datetime) else bytes(getattr(p, "adapted", p))
            if isinstance(getattr(p, "adapted", p), (bytes, memoryview)) else p for p in params]


@pytest.fixture
def checked(monkeypatch):
    """Every kept-text insert, with the text and parameters peewee renders for the same rows."""
    seen = []
    run = Inserts.run

    def checking(self, shape, model, rows, build):
        expected = build(rows).sql()
        executed = []
        database = self.database()
        real = database.execute_sql

        def capture(sql, params=None, *args, **kwargs):
            executed.append((sql, params))
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database, "execute_sql", capture)
        try:
            result = run(self, shape, model, rows, build)
        finally:
            monkeypatch.setattr(database, "execute_sql", real)
        seen.append((model, expected, executed))
        return result

    monkeypatch.setattr(Inserts, "run", checking)
    return seen


def test_kept_texts_are_peewee_own_and_rendered_once_a_shape(make_crawler, checked):
    pipeline = build_from_crawler(StoragePipeline, make_crawler(STORAGE_BATCH_SIZE=1000))
    for shift in (0, 10, 20):  # three batches of the same shapes
        for item in batch(shift):
            pipeline.process_item(item)
        pipeline.flush()
        if shift == 0:
            rendered = pipeline.inserts.rendered
    assert rendered >= 8 and pipeline.inserts.rendered == rendered  # later batches reuse every text
    tables = set()
    for model, (sql, params), executed in checked:
        assert [(text, comparable(values)) for text, values in executed] == [(sql, comparable(params))]
        tables.add(model._meta.table_name)
    assert {"albums", "tracks", "collection_items", "sellers", "raw_bodies", "inventory_pages",
            "album_genres", "youtube_videos", "album_videos"} <= tables
    assert {model._meta.table_name for (_, model, _), template in pipeline.inserts.templates.items()
            if template is not None} == tables  # none fell back to peewee
    # Deletes, updates and a batch of listings' reads: one text a key for any list lengths
    # (parameters checked against peewee's).
    assert {key if isinstance(key, str) else key[0] for key in pipeline.inserts.lists} == {
        "replace links", "link listings", "failed releases stored", "stale tracks", "existing albums",
        "listing events: stored"}
    assert all(template is not None for template in pipeline.inserts.lists.values())


@pytest.mark.parametrize(("albums", "keep"), [(1, 1), (1, 4), (3, 2), (5, 9)])
def test_a_list_statement_is_peewee_own_for_any_lengths(database_url, monkeypatch, albums, keep):
    from peewee import Tuple, ValuesList

    from discogs_harvest.freshness import database_for
    from discogs_harvest.models import Track

    database = database_for(database_url)
    inserts = Inserts(lambda: database_for(database_url))
    album_ids = [str(n) for n in range(albums)]
    pairs = [(str(n % albums), n) for n in range(keep)]
    build = lambda album_ids, keep: Track.delete().where(  # noqa: E731
        Track.album.in_(album_ids) & Tuple(Track.album, Track.sequence).not_in(ValuesList(keep)))
    executed = []
    real = database.execute_sql
    monkeypatch.setattr(database, "execute_sql", lambda sql, params=None: executed.append((sql, params)) or real(
        sql, params))
    inserts.run_lists("stale tracks", [album_ids, pairs], build)
    assert inserts.lists["stale tracks"] is not None
    assert executed == [build(album_ids, pairs).sql()]


@pytest.mark.parametrize("albums", [1, 2, 7])
def test_an_in_list_statement_is_peewee_own_for_any_length(database_url, monkeypatch, albums):
    from discogs_harvest.freshness import database_for
    from discogs_harvest.models import AlbumGenre

    database = database_for(database_url)
    inserts = Inserts(lambda: database_for(database_url))
    build = lambda album_ids: AlbumGenre.delete().where(AlbumGenre.album.in_(album_ids))  # noqa: E731
    inserts.run_lists("replace links", [["0"]], build)  # the text is kept from a first batch of one
    executed = []
    real = database.execute_sql
    monkeypatch.setattr(database, "execute_sql", lambda sql, params=None: executed.append((sql, params)) or real(
        sql, params))
    album_ids = [str(n) for n in range(albums)]
    inserts.run_lists("replace links", [album_ids], build)
    assert inserts.lists["replace links"] is not None
    assert executed == [build(album_ids).sql()]


def test_a_row_holding_an_expression_is_written_by_peewee(database_url, monkeypatch):
    from peewee import SQL

    from discogs_harvest.freshness import database_for
    from discogs_harvest.models import Genre

    inserts = Inserts(lambda: database_for(database_url))
    inserts.run("ignore", Genre, [{"name": SQL("'Jazz'")}],
                lambda rows: Genre.insert_many(rows).on_conflict_ignore())
    assert inserts.templates == {("ignore", Genre, ("name",)): None} and [g.name for g in Genre.select()] == ["Jazz"]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_the_text_of_any_row_count_is_peewee_own(database_url, checked, count):
    from discogs_harvest.freshness import database_for
    from discogs_harvest.models import Genre

    inserts = Inserts(lambda: database_for(database_url))
    rows = [{"name": f"Genre {n}"} for n in range(count)]
    inserts.run("ignore", Genre, rows, lambda rows: Genre.insert_many(rows).on_conflict_ignore())
    [(_, (sql, params), executed)] = checked
    assert executed == [(sql, params)] and Genre.select().count() == count
