"""Import a releases dump into the tables a harvest fills, batched and resumable.

:class:`ReleaseDumpImporter` reads records with :class:`~.reader.DumpReader`, keeps those the
selection (:mod:`.selection`) wants, and every ``batch_size`` of them parses the batch,
turns each ``<release>`` into the API's shape (:func:`.release.release_body`), loads it with
:func:`~discogs_harvest.loaders.load_release` and writes it with the storage pipeline's
``write_records`` (:class:`~.writer.DumpWriter`: the pipeline, its bulk inserts sent with
``executemany``): the one mapping from a release to rows, as ``scrapy rebuild`` uses it.
Each release is marked ``source = "dump"`` with the dump's date (``albums.source``,
``albums.dump_date``) and ``fetched_at`` NULL: it was never fetched from the API.

A release already stored from the API is left as it is (the API's body holds everything the
dump has, plus community figures and prices); counted as ``kept``. It is left out before its
batch is built, and its batch is checked again when committed (a harvest may store it meanwhile).

Each batch is one transaction that also moves the import's checkpoint (:class:`DumpImport`:
the offset just past the batch's last record). A killed import, run again on the same file
with the same selection, continues from that offset. Progress is one log line every
``progress_interval`` seconds: bytes of the file read, releases/s, ETA.

Batches are built and prepared in ``DUMP_IMPORT_WORKERS`` helper processes (default 2): parsed,
loaded, turned into rows and those into statement parameters (:meth:`.writer.DumpWriter.prepare`),
so the importing process only reads the file and sends prepared statements
(:meth:`.writer.DumpWriter.write_prepared`); batches are committed in file order. Profiled on a
generated dump, preparing a release cost about twice what sending it did (the loader most).
A helper prepares ``DUMP_IMPORT_PREPARE_SIZE`` releases at a time (a batch is split so, and
its parts written in order in the batch's transaction): a helper's memory holds one part,
however large a transaction is.

Settings: ``DATABASE_URL``, ``DUMP_IMPORT_BATCH_SIZE``, ``DUMP_IMPORT_PREPARE_SIZE``,
``DUMP_IMPORT_PROGRESS_INTERVAL``, ``DUMP_IMPORT_WORKERS``.
"""

import datetime
import logging
import os
import re
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from peewee import SqliteDatabase

from discogs_harvest.extensions import collector
from discogs_harvest.dump.models import DumpImport
from discogs_harvest.dump.reader import DumpReader, parse_batch
from discogs_harvest.dump.selection import record_id
from discogs_harvest.dump.release import release_body
from discogs_harvest.dump.writer import DumpWriter, Prepared
from discogs_harvest.freshness import database_for
from discogs_harvest.loaders import load_release
from discogs_harvest.models import Album, utcnow

logger = logging.getLogger(__name__)

DUMP_NAME = re.compile(r"discogs_(\d{4})(\d{2})(\d{2})_(releases|masters|artists|labels)")
# A selective import commits its checkpoint at least every this many records read, so a
# resumed one skips what was read even when little was selected.
CHECKPOINT_RECORDS = 100_000


def dump_date_of(path, given=None):
    """``YYYY-MM-DD``: given, else from Discogs' file name, else the file's modification day."""
    if given:
        return datetime.date.fromisoformat(given).isoformat()
    match = DUMP_NAME.search(os.path.basename(path))
    if match:
        return "-".join(match.groups()[:3])
    return datetime.date.fromtimestamp(os.path.getmtime(path)).isoformat()


def dump_item(body, dump_date):
    """A dump record's body through the one mapping, marked as coming from the dump."""
    item = load_release(body)
    item.source, item.dump_date, item.raw = "dump", dump_date, None
    return item


def build_items(records, dump_date):
    """A batch of record bytes as ReleaseItems: parsed, shaped as the API's body, loaded."""
    return [dump_item(release_body(element), dump_date) for element in parse_batch(records)]


# The import's writer in a helper process (set when the process starts, see ReleaseDumpImporter.run).
_writer = None


# Garbage collection while importing. A batch allocates millions of short-lived containers
# (bodies, items, rows, parameter tuples) freed by reference counting, yet each allocation
# counts towards CPython's collection thresholds (700 in the youngest generation): on a
# generated dump the collector took about a third of a helper's CPU (a release's preparation
# cost 345 us with it, 256 us with it off), most of it re-scanning objects that live for the
# whole import (Scrapy, peewee, the models). ``gc.freeze()`` moves what exists when the import
# starts out of the collector's sight (Python docs, gc.freeze: "move all objects tracked by the
# garbage collector into a permanent generation"), and a larger youngest generation makes
# collections rarer; cycles are still collected, so memory stays flat. 200,000 rather than
# 50,000: 0.7 % fewer instructions for the whole import (callgrind, 2,000 generated dump
# releases), with the same peak RSS for 20,000 of them (137 MB against 136.5).
GC_THRESHOLD = 200_000


def tune_gc():
    """Freeze what exists now and collect less often; returns what :func:`restore_gc` restores."""
    return collector.tune(GC_THRESHOLD)


restore_gc = collector.restore


def _start_helper(writer, parent):
    global _writer
    _writer = writer
    tune_gc()  # a helper lives for the import only
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-importer", daemon=True).start()


def _exit_with(parent, interval=0.5):
    """End this helper once the importing process is gone. Killed (SIGKILL, or a crash), it
    cannot stop its helpers, which would wait for work for ever: forked, each holds the write
    end of the others' work queue open, so no end of file reaches them."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def prepare_batch(records, dump_date, writer=None):
    """A batch of record bytes built and prepared for writing (:meth:`.writer.DumpWriter.prepare`):
    all of a batch's work but the database's, done in a helper process."""
    return (writer or _writer).prepare(build_items(records, dump_date), utcnow())


def prepare_packed(records, dump_date):
    """:func:`prepare_batch` in a helper process, packed for the importing process
    (:meth:`.writer.Prepared.pack`)."""
    return prepare_batch(records, dump_date).pack()


def format_eta(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """One line every ``interval`` seconds: bytes read of the file, records/s, ETA."""

    def __init__(self, size, interval, label="releases"):
        self.size, self.interval, self.label = size, interval, label
        self.started = self.last = time.monotonic()
        self.first_bytes = None

    def update(self, bytes_read, records, imported, final=False):
        now = time.monotonic()
        if not final and now - self.last < self.interval:
            return
        self.last = now
        if self.first_bytes is None:
            self.first_bytes = bytes_read
        elapsed = max(now - self.started, 1e-6)
        rate = records / elapsed
        byte_rate = (bytes_read - self.first_bytes) / elapsed
        eta = format_eta((self.size - bytes_read) / byte_rate) if byte_rate and not final else "0:00:00"
        logger.info("%s %.1f of %.1f MB read (%d%%), %s %s read (%s/s), %s imported, ETA %s",
                    "Imported:" if final else "Importing:", bytes_read / 1e6, self.size / 1e6,
                    100 * bytes_read // max(self.size, 1), f"{records:,}", self.label, f"{rate:,.0f}",
                    f"{imported:,}", eta)


class ReleaseDumpImporter:
    kind = "releases"
    tag = "release"

    def __init__(self, settings, path, selection, dump_date=None):
        self.settings = settings
        self.path = path
        self.selection = selection
        self.dump_date = dump_date_of(path, dump_date)
        self.batch_size = max(1, settings.getint("DUMP_IMPORT_BATCH_SIZE", 5000))
        self.prepare_size = max(1, settings.getint("DUMP_IMPORT_PREPARE_SIZE", 1000))
        self.interval = settings.getfloat("DUMP_IMPORT_PROGRESS_INTERVAL", 2.0)
        self.workers = max(0, settings.getint("DUMP_IMPORT_WORKERS", 1))
        self.database = database_for(settings.get("DATABASE_URL"))
        DumpImport.create_table(safe=True)
        self.writer = DumpWriter.for_settings(settings)

    def checkpoint(self):
        """This file's import row: resumed when unfinished with the same selection, else restarted."""
        name, size = os.path.basename(self.path), os.path.getsize(self.path)
        described = self.selection.describe()
        row, created = DumpImport.get_or_create(name=name, size=size, kind=self.kind,
                                                defaults={"selection": described, "dump_date": self.dump_date})
        if not created and row.finished_at is None and row.selection == described and row.offset:
            logger.info("Resuming the import of %s after %s releases read (%s imported) at byte %s",
                        name, f"{row.records:,}", f"{row.imported:,}", f"{row.offset:,}")
            return row
        row.selection, row.dump_date = described, self.dump_date
        row.offset = row.records = row.imported = row.kept = 0
        row.started_at, row.finished_at = utcnow(), None
        row.save()
        return row

    def run(self):
        """Import the file; returns its :class:`DumpImport` row. Raises DumpError on a bad file."""
        state = self.checkpoint()
        logger.info("Importing %s (dump of %s): %s", os.path.basename(self.path), self.dump_date,
                    self.selection.describe())
        progress = Progress(os.path.getsize(self.path), self.interval)
        records, read = [], state.records
        first = state.records
        # Batches are built and prepared (parsed, loaded, turned into statement parameters) by
        # `workers` helper processes, in parts of `prepare_size` releases, while this one reads
        # and writes; they are committed in file order, so the checkpoint stays a prefix. A
        # forked helper inherits the writer (and the open connection, which it never uses).
        executor = (ProcessPoolExecutor(self.workers, mp_context=get_context("fork"), initializer=_start_helper,
                                        initargs=(self.writer, os.getpid()))
                    if self.workers else None)
        pending = deque()
        saved_gc = tune_gc()

        def parts(batch):  # the helpers' parts of a pending batch; an empty one counts as one
            return max(1, len(batch[0] or ()))

        def submit(records, end, read, finished=False):
            # A release stored from the API is kept (its body holds more than the dump's): left
            # out before it is built, and checked again when its batch is committed.
            api = self.fetched_from_api([record_id(record) for record in records])
            if api:
                records = [record for record in records if record_id(record) not in api]
            built = ([executor.submit(prepare_packed, records[start:start + self.prepare_size], self.dump_date)
                      for start in range(0, len(records), self.prepare_size)] if executor else None)
            pending.append((built, records, end, read, finished, len(api)))
            # The oldest batch is written once the later ones keep every helper busy meanwhile.
            while pending and sum(map(parts, pending)) - parts(pending[0]) >= self.workers:
                self.commit(state, *pending.popleft())

        try:
            with DumpReader(self.path, self.tag, state.offset) as reader:
                for end, record in reader.records():
                    read += 1
                    if self.selection(record):
                        records.append(record)
                    if len(records) >= self.batch_size or read - state.records >= CHECKPOINT_RECORDS:
                        submit(records, end, read)
                        records = []
                        progress.update(reader.bytes_read, read - first, state.imported)
                submit(records, reader.position, read, finished=True)
                while pending:
                    self.commit(state, *pending.popleft())
                progress.update(reader.bytes_read, read - first, state.imported, final=True)
        finally:
            restore_gc(saved_gc)
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
        return state

    def commit(self, state, built, records, end, read, finished=False, kept=0):
        """Write one batch (its parts in order: ``built`` holds a helper's result for each) and
        move the checkpoint, in one transaction."""
        now = utcnow()
        with self.database.atomic():
            for part, start in enumerate(range(0, len(records), self.prepare_size)):
                prepared = Prepared.unpack(built[part].result()) if built else None
                part_records = records[start:start + self.prepare_size]
                late = self.fetched_from_api(prepared.release_ids if prepared
                                             else [record_id(r) for r in part_records])
                if prepared is None or late:  # no helper, or stored from the API meanwhile
                    part_records = [record for record in part_records if record_id(record) not in late]
                    prepared = prepare_batch(part_records, self.dump_date, self.writer)
                if prepared.release_ids:
                    self.writer.write_prepared(prepared, self.stored_albums(prepared.release_ids))
                state.imported += len(prepared.release_ids)
                kept += len(late)
                del prepared  # one part's rows in memory at a time
            state.offset, state.records = end, read
            state.kept += kept
            state.updated_at = now
            if finished:
                state.finished_at = now
            state.save()

    def fetched_from_api(self, release_ids):
        """Those of ``release_ids`` stored from the API (or by an earlier harvest)."""
        return {int(album_id) for album_id in self.albums_among(
            release_ids, f'AND ("source" IS NULL OR "source" != {self.database.param})', ["dump"])}

    def stored_albums(self, release_ids):
        """Those of ``release_ids`` (as album ids: text) in the albums table, or None (unknown).

        Read in the batch's transaction before it writes, so a batch sends no deletes for the
        albums it adds (:meth:`.writer.DumpWriter.write_prepared`): on SQLite only, where the
        transaction keeps one snapshot and another writer's commit in between fails this
        one's writes (SQLite docs, rescode.html: SQLITE_BUSY_SNAPSHOT). On PostgreSQL a
        statement sees what others committed after the read, so every delete is sent."""
        if not isinstance(self.database, SqliteDatabase):
            return None
        return set(self.albums_among(release_ids))

    def albums_among(self, release_ids, condition="", params=()):
        """The album ids (text) of ``release_ids`` stored and meeting ``condition`` (SQL)."""
        ids = [str(i) for i in release_ids if i is not None]
        param = self.database.param
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor = self.database.execute_sql(
                f'SELECT "discogs_release_id" FROM "{Album._meta.table_name}" WHERE "discogs_release_id" IN '
                f'({", ".join([param] * len(chunk))}) {condition}', [*chunk, *params])
            yield from (album_id for (album_id,) in cursor.fetchall())
