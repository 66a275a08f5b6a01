"""StoragePipeline's writer thread (STORAGE_WRITE_THREAD): a crawl's batches written beside the
reactor, one at a time and in order, with the same rows and stats as on the reactor's thread.

Here the thread writes them itself (STORAGE_WRITE_PROCESS off); handed to the writer process
it waits for, they are test_writer_process.py's."""

import asyncio
import threading

import pytest
from peewee import SqliteDatabase
from scrapy.utils.misc import build_from_crawler

from discogs_harvest import stats
from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.postgres import is_postgres
from tests.integration.inprocess import _reactor_loop
from tests.pipelines import factories
from tests.pipelines.test_storage import snapshot, table
from tests.pipelines.writers import RefusingPipeline


@pytest.fixture(autouse=True)
def reactor_loop():
    """The in-process reactor's loop, current while a test runs (the pipeline's timer starts on it)."""
    loop = _reactor_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)


def crawling(make_crawler, pipeline_class=StoragePipeline, **settings):
    """A pipeline opened as in a crawl (the reactor running, the crawler crawling), with the
    names of the threads its transactions ran on (the writer process off unless asked for)."""
    crawler = make_crawler(**{"STORAGE_WRITE_PROCESS": False, **settings})
    if is_postgres(crawler.settings["DATABASE_URL"]):
        pytest.skip("the writer thread is SQLite's only for now (pipelines/storage.py)")
    crawler.crawling = True
    pipeline = build_from_crawler(pipeline_class, crawler)
    threads = []
    write_transaction = pipeline.write_transaction

    def recorded(items, *prepared):
        threads.append("writer" if "storage-writer" in threading.current_thread().name else "reactor")
        return write_transaction(items, *prepared)

    pipeline.write_transaction = recorded
    return crawler, pipeline, threads


def empty(database, *names):
    """Those tables emptied, their ids counted from 1 again (PostgreSQL's sequences too)."""
    if isinstance(database, SqliteDatabase):
        for name in names:
            database.execute_sql(f"DELETE FROM {name}")  # no AUTOINCREMENT: ids start over
    else:
        database.execute_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")


def run(loop, result):
    """``result`` of a pipeline method: awaited on the reactor's loop when it is a coroutine."""
    return loop.run_until_complete(result) if hasattr(result, "__await__") else result


def feed(loop, pipeline, items):
    for item in items:
        assert run(loop, pipeline.process_item(item)) is item


def items(count, price=1.0):
    return [factories.listing(listing_id=100 + number, price=price) for number in range(count)]


@pytest.mark.timeout(60)
def test_a_crawls_batches_are_written_on_the_writer_thread_with_the_same_rows_and_stats(make_crawler, database):
    loop = _reactor_loop()
    crawler, pipeline, threads = crawling(make_crawler, STORAGE_BATCH_SIZE=3)
    pipeline.open_spider()
    assert pipeline.writer is not None
    feed(loop, pipeline, [factories.release(), *items(4)])  # one full batch of 3, then 2 waiting
    assert threads == ["writer"]
    assert len(table(database, "collection_items")) == 2  # the full batch: the release and 2 listings
    run(loop, pipeline.close_spider())
    assert pipeline.writer is None
    assert threads == ["writer", "writer"]
    threaded = snapshot(database)
    figures = {key: crawler.stats.get_value(key) for key in (stats.ITEMS_STORED, stats.ROWS_UPSERTED)}
    assert figures[stats.ITEMS_STORED] == 5

    # The same items on the reactor's thread (STORAGE_WRITE_THREAD off): the same rows, the same stats.
    empty(database, "album_videos", "album_genres", "album_styles", "tracks", "youtube_videos", "collection_items",
          "albums", "sellers", "genres", "styles")
    crawler, pipeline, threads = crawling(make_crawler, STORAGE_BATCH_SIZE=3, STORAGE_WRITE_THREAD=False)
    pipeline.open_spider()
    assert pipeline.writer is None
    feed(loop, pipeline, [factories.release(), *items(4)])
    run(loop, pipeline.close_spider())
    assert threads == ["reactor", "reactor"]
    assert snapshot(database) == threaded
    assert {key: crawler.stats.get_value(key) for key in figures} == figures


@pytest.mark.timeout(60)
def test_batches_are_written_in_the_order_they_were_handed_over_while_the_first_is_slow(make_crawler, database):
    loop = _reactor_loop()
    crawler, pipeline, threads = crawling(make_crawler, STORAGE_BATCH_SIZE=1)
    release = threading.Event()
    write_transaction = pipeline.write_transaction

    def first_waits(batch, *prepared):
        if len(threads) == 1:
            release.wait(10)
        return write_transaction(batch, *prepared)

    pipeline.write_transaction = first_waits
    pipeline.open_spider()
    first = pipeline.process_item(factories.listing(listing_id=7, price=1.0))
    second = pipeline.process_item(factories.listing(listing_id=7, price=2.0))  # waits for the first
    loop.call_later(0.2, release.set)
    loop.run_until_complete(asyncio.gather(second, first))  # as Scrapy awaits them: side by side
    run(loop, pipeline.close_spider())
    assert [row["price"] for row in table(database, "collection_items")] == [2.0]
    assert crawler.stats.get_value(stats.ITEMS_STORED) == 2


@pytest.mark.timeout(60)
@pytest.mark.parametrize("in_process", [False, True], ids=["thread", "process"])
def test_a_batch_failing_on_the_writer_is_stored_item_by_item(make_crawler, database, caplog, in_process):
    # Written by the thread itself, or by the writer process (test_writer_process.py), which
    # builds the pipeline's own writer class: RefusingWriter refuses the batch there.
    loop = _reactor_loop()
    crawler, pipeline, _ = crawling(make_crawler, RefusingPipeline, STORAGE_BATCH_SIZE=3,
                                    STORAGE_WRITE_PROCESS=in_process)
    pipeline.open_spider()
    assert (pipeline.remote is not None) is in_process
    feed(loop, pipeline, items(3))
    run(loop, pipeline.close_spider())
    assert [row["listing_id"] for row in table(database, "collection_items")] == [100, 102]
    assert crawler.stats.get_value(stats.key("storage", "items_failed")) == 1
    assert crawler.stats.get_value(stats.ITEMS_STORED) == 2
    assert "batch of 3 items failed (listing 101 cannot be stored); storing them one by one" in caplog.text


@pytest.mark.timeout(60)
def test_a_transaction_that_read_is_not_refused_its_write_when_another_thread_committed_meanwhile(database):
    """The writer thread and the reactor's thread are two SQLite connections: a transaction on
    one (VideoHealthPipeline's reads its rows first) must still write after the other committed.
    In WAL mode a deferred BEGIN fails there at once ("database is locked"); an immediate one
    makes the other wait for it."""
    if not isinstance(database, SqliteDatabase):
        pytest.skip("SQLite's transactions (PostgreSQL's wait for row locks)")
    read, committed = threading.Event(), threading.Event()
    errors = []

    def other():
        read.wait(10)
        try:
            database.execute_sql("INSERT INTO genres (name) VALUES ('Funk')")  # waits for the transaction
        except Exception as exc:  # noqa: BLE001 (the assertion below says what it was)
            errors.append(exc)
        finally:
            committed.set()
            database.close()  # this thread's connection

    thread = threading.Thread(target=other)
    thread.start()
    with database.atomic():
        database.execute_sql("SELECT COUNT(*) FROM genres").fetchone()
        read.set()
        committed.wait(0.5)  # the other thread's insert, had it not to wait
        database.execute_sql("INSERT INTO genres (name) VALUES ('Jazz')")
    thread.join(10)
    assert errors == []
    assert [row[0] for row in database.execute_sql("SELECT name FROM genres ORDER BY rowid")] == ["Jazz", "Funk"]


@pytest.mark.timeout(60)
def test_a_batchs_bodies_are_compressed_on_the_reactors_thread_and_written_on_the_writers(make_crawler, database,
                                                                                            monkeypatch):
    # zlib lets go of the GIL for each body: the writer thread, taking it back after each one,
    # waited on the reactor; compressed as the batch is handed over, they cost it nothing.
    from discogs_harvest.pipelines import writing
    from discogs_harvest.pipelines.rows import decompress_body

    compressed_on = []
    raw_row = writing.raw_row
    monkeypatch.setattr(writing, "raw_row", lambda *args: compressed_on.append(
        threading.current_thread().name) or raw_row(*args))
    loop = _reactor_loop()
    crawler, pipeline, threads = crawling(make_crawler, STORAGE_BATCH_SIZE=3)
    pipeline.open_spider()
    release = factories.release()
    release.raw = '{"id": 1, "title": "As received"}'
    listings = items(2)
    listings[0].raw = {"id": 100, "price": {"value": 1.0}}
    feed(loop, pipeline, [release, *listings])
    run(loop, pipeline.close_spider())

    assert threads == ["writer"]
    assert compressed_on == [threading.current_thread().name] * 2 and "storage-writer" not in compressed_on[0]
    kept = {(row["resource"], row["resource_id"]): decompress_body(row["body"]) for row in table(database, "raw_bodies")}
    assert kept == {("release", str(release.release_id)): {"id": 1, "title": "As received"},
                    ("listing", "100"): {"id": 100, "price": {"value": 1.0}}}
    fetched = {row["fetched_at"] for row in table(database, "raw_bodies")}
    assert fetched == {table(database, "albums")[0]["fetched_at"]}  # the batch's moment, as before
