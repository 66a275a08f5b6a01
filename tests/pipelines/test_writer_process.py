"""The writer process (STORAGE_WRITE_PROCESS): a crawl's batches handed by storage's writer
thread to a process of their own, with the same rows and stats as written in the crawl's
process; what it cannot take is written there instead; it dies with the crawl. (A batch it
fails is split as the thread's is: test_storage_thread.py.)"""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from peewee import OperationalError

from discogs_harvest import stats
from discogs_harvest.pipelines.storage import WRITER_MAXRSS, medium_failure
from discogs_harvest.pipelines.writerprocess import WriterProcess, _chain, _rebuilt
from tests.pipelines import factories
from tests.pipelines.test_storage import snapshot, table
from tests.pipelines.test_storage_thread import crawling as thread_crawling
from tests.pipelines.test_storage_thread import empty, feed, items, reactor_loop, run  # noqa: F401 (a fixture)
from tests.pipelines.writers import FullPipeline, PidPipeline
from tests.integration.inprocess import _reactor_loop

ROOT = Path(__file__).resolve().parents[2]


def crawling(make_crawler, pipeline_class=PidPipeline, **settings):
    """A pipeline opened as in a crawl (test_storage_thread's), the writer process on."""
    crawler, pipeline, _ = thread_crawling(make_crawler, pipeline_class, **{"STORAGE_WRITE_PROCESS": True, **settings})
    pipeline.open_spider()
    return crawler, pipeline


def writers(crawler):
    """``{pid: batches}`` of the processes that wrote the crawl's batches (tests/pipelines/writers.py)."""
    return {int(key.rpartition("/")[2]): value for key, value in crawler.stats.get_stats().items()
            if key.startswith("writer_pid/")}


def alive(pid):
    """Whether ``pid`` runs (a zombie no longer does)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.timeout(60)
def test_a_crawls_batches_are_written_by_the_writer_process_with_the_same_rows_and_stats(make_crawler, database):
    loop = _reactor_loop()
    crawler, pipeline = crawling(make_crawler, STORAGE_BATCH_SIZE=3)
    remote = pipeline.remote
    assert remote is not None and remote.alive() and remote.process.pid != os.getpid()
    feed(loop, pipeline, [factories.release(), *items(4)])  # one full batch of 3, then 2 waiting
    assert len(table(database, "collection_items")) == 2  # the full batch: the release and 2 listings
    run(loop, pipeline.close_spider())
    assert writers(crawler) == {remote.process.pid: 2}
    assert crawler.stats.get_value(WRITER_MAXRSS) > 10 * 1024  # KiB: a Python with peewee
    written = snapshot(database)
    figures = {key: crawler.stats.get_value(key) for key in (stats.ITEMS_STORED, stats.ROWS_UPSERTED)}
    assert figures[stats.ITEMS_STORED] == 5

    # The same items written by the writer thread itself: the same rows, the same stats.
    empty(database, "album_videos", "album_genres", "album_styles", "tracks", "youtube_videos", "collection_items",
          "albums", "sellers", "genres", "styles")
    crawler, pipeline = crawling(make_crawler, STORAGE_BATCH_SIZE=3, STORAGE_WRITE_PROCESS=False)
    assert pipeline.remote is None
    feed(loop, pipeline, [factories.release(), *items(4)])
    run(loop, pipeline.close_spider())
    assert writers(crawler) == {os.getpid(): 2}
    assert crawler.stats.get_value(WRITER_MAXRSS) is None
    assert snapshot(database) == written
    assert {key: crawler.stats.get_value(key) for key in figures} == figures


def test_what_a_failure_in_the_process_interrupted_comes_back_with_it():
    """A failed rollback hides the disk-full error it interrupted: storage still reads that cause."""
    try:
        try:
            raise OperationalError("database or disk is full")
        except OperationalError:
            raise OperationalError("cannot rollback - no transaction is active")
    except OperationalError as exc:
        chain = pickle.loads(pickle.dumps(_chain(exc)))
    failure = _rebuilt(chain)
    assert str(failure) == "cannot rollback - no transaction is active"
    assert medium_failure(failure) == "database or disk is full"

    class Unpicklable(Exception):  # local: not importable by name
        pass

    [failure] = pickle.loads(pickle.dumps(_chain(Unpicklable("listing 7 refused"))))
    assert isinstance(failure, RuntimeError) and str(failure) == "Unpicklable: listing 7 refused"


@pytest.mark.timeout(60)
def test_a_full_disk_under_the_writer_process_stops_storing_as_it_did_on_the_thread(make_crawler, database, caplog):
    """What the process's failed write interrupted crosses over with it: storage reads the full
    disk behind the failed rollback, says so once and stores nothing more (no item by item)."""
    loop = _reactor_loop()
    crawler, pipeline = crawling(make_crawler, FullPipeline, STORAGE_BATCH_SIZE=2)
    feed(loop, pipeline, items(4))
    run(loop, pipeline.close_spider())
    assert table(database, "collection_items") == []
    fatal = crawler.stats.get_value(stats.key("storage", "fatal"))
    assert fatal.endswith(": database or disk is full"), fatal
    assert crawler.stats.get_value(stats.key("storage", "items_failed")) == 4
    assert "storing them one by one" not in caplog.text


@pytest.mark.timeout(60)
def test_once_the_writer_process_ends_the_crawls_process_writes_and_says_so(make_crawler, database, caplog):
    loop = _reactor_loop()
    crawler, pipeline = crawling(make_crawler, STORAGE_BATCH_SIZE=1)
    remote = pipeline.remote
    pid = remote.process.pid
    feed(loop, pipeline, items(1))
    remote.process.kill()
    remote.process.wait()
    feed(loop, pipeline, [factories.listing(listing_id=200 + number, price=1.0) for number in range(2)])
    run(loop, pipeline.close_spider())
    assert [row["listing_id"] for row in table(database, "collection_items")] == [100, 200, 201]
    assert writers(crawler) == {pid: 1, os.getpid(): 2}
    assert pipeline.remote is None
    assert (f"Storage: the writer process ended with status {-signal.SIGKILL}; batches are written by the "
            "crawl's process") in caplog.text
    assert crawler.stats.get_value(stats.ITEMS_STORED) == 3
    assert WriterProcess.shared().alive()  # the next crawl starts another


@pytest.mark.timeout(60)
def test_a_batch_that_does_not_pickle_is_written_by_the_crawls_process(make_crawler, database):
    loop = _reactor_loop()
    crawler, pipeline = crawling(make_crawler, STORAGE_BATCH_SIZE=1)
    odd = factories.listing(listing_id=300, price=1.0)
    odd.note = threading.Lock()  # nothing storage writes, but the item would not pickle
    feed(loop, pipeline, [*items(1), odd])
    run(loop, pipeline.close_spider())
    assert [row["listing_id"] for row in table(database, "collection_items")] == [100, 300]
    assert writers(crawler) == {pipeline.remote.process.pid: 1, os.getpid(): 1}
    assert pipeline.remote.alive()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.timeout(60)
def test_the_writer_process_dies_with_the_crawl_and_ignores_ctrl_c():
    script = ("from discogs_harvest.pipelines.writerprocess import WriterProcess\n"
              "print(WriterProcess.shared().process.pid, flush=True)\n"
              "import time; time.sleep(60)\n")
    crawl = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        pid = int(crawl.stdout.readline())
        os.kill(pid, signal.SIGINT)  # a Ctrl-C reaches the whole process group
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)
        assert alive(pid)
    finally:
        crawl.kill()  # as a crash or `kill -9` would
        crawl.wait()
        crawl.stdout.close()
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_the_writer_process_imports_neither_scrapy_nor_twisted():
    """What it imports is what its memory is (about 40 MiB less without Scrapy)."""
    script = ("import sys\n"
              "import discogs_harvest.pipelines.writerprocess, discogs_harvest.pipelines.writing\n"
              "import discogs_harvest.freshness, discogs_harvest.watching\n"
              "print(sorted({name.split('.')[0] for name in sys.modules} & {'scrapy', 'twisted', 'itemloaders'}))\n")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert output.stdout.strip() == "[]"
