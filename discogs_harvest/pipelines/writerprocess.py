"""The storage writer process: a crawl's batches written by a Python process of their own.

A harvest's pace is set by its reactor thread (issue 12). Storage's writer thread took the SQL
off that thread, but not off its GIL: peewee building statements, the rows mapped from the
items, zlib compressing every kept body, and each time SQLite or zlib let go of the GIL the
writer had to take it back from the busy reactor. Here the writer thread hands a whole batch
to this process in one message and waits for the reply without the GIL; the work runs on
another core. Measured on one seller of 5,000 listings over 2,000 releases (budget lifted),
alternated with the writer thread alone (medians of four): the harvest's window 5.43 -> 4.55 s
for about the same CPU in all (6.25 -> 6.39 s, the writer process's included).

:class:`WriterProcess` is the crawl's side: :meth:`~WriterProcess.write` sends
``(writer class, database URL, run id, items, now)`` and returns what
:meth:`~discogs_harvest.pipelines.writing.BatchWriter.write_transaction` returned in the
process, or raises what it raised there (the exception and what it interrupted, rebuilt as a
chain, so :func:`~discogs_harvest.pipelines.storage.medium_failure` reads it as before);
:meth:`~WriterProcess.release` closes the process's connection to a database when a crawl
closes and returns the process's peak memory (KiB). One process serves every crawl of the
process that started it (a test session's many crawls start it once), one batch at a time.

The process is this module run with ``python -m`` (no Scrapy imported: about 50 MiB less
than the crawl). Messages are pickles framed by their length, between two processes of the
same program and Python, over the process's own pipes. It ignores SIGINT and SIGTERM (a
Ctrl-C reaches the whole process group, and the crawl, closing gracefully, still has batches
to write) and, on Linux, dies with the thread that started it (``PR_SET_PDEATHSIG``), so a
crawl killed mid-transaction leaves it rolled back, as a thread dying with its process did;
elsewhere it ends when its input closes. :class:`WriterUnavailable` says the process
cannot take a batch (it could not start, it ended, a batch would not pickle): storage then
writes in the crawl's process, as without it.
"""

import atexit
import gc
import os
import pickle
import resource
import signal
import struct
import subprocess
import sys
import threading

_LENGTH = struct.Struct("<Q")  # each message's length, before it
READY = b"R"  # the process's first byte: it is set up
_shared = None  # the process's WriterProcess (WriterProcess.shared)
_shared_lock = threading.Lock()


class WriterUnavailable(Exception):
    """The writer process cannot take this batch (not started, ended, or the batch does not pickle)."""


class WriterProcess:
    """The crawl's end of a writer process. Thread-safe: one exchange at a time."""

    def __init__(self):
        self.process = None
        self.lock = threading.Lock()

    @classmethod
    def shared(cls):
        """This process's writer process (one for all its crawls), started if it is not
        running. Call it on the main thread: on Linux the process dies with the thread that
        started it."""
        global _shared
        with _shared_lock:
            if _shared is None:
                _shared = cls()
                atexit.register(_shared.close)  # ended with this process, not left to end alone
            _shared.start()
            return _shared

    def start(self):
        """Start the process unless it runs; raises WriterUnavailable when it cannot start."""
        if self.alive():
            return
        # The crawl's import path, so the process imports the same code (a checkout, a test's).
        path = [os.path.abspath(entry or os.curdir) for entry in sys.path]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=env, close_fds=True)
        except OSError as exc:
            raise WriterUnavailable(f"could not start: {exc}") from exc
        # Its signals set and its death tied to this thread's before the crawl goes on (a Ctrl-C
        # during its first tenth of a second would end it otherwise): about 30 ms, once.
        if self.process.stdout.read(1) != READY:
            raise WriterUnavailable(self.ended())

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def write(self, writer_class, database_url, run_id, items, now):
        """``writer_class(database_url).write_transaction(items, now)`` in the process (its
        writer kept per class and URL), with ``run_id`` as the run it records changes under."""
        return self._exchange(("write", writer_class, database_url, run_id, items, now))

    def release(self, database_url):
        """Close the process's connection to ``database_url`` and forget its writers there
        (a crawl ends; a test may delete the file); returns the process's peak RSS in KiB."""
        return self._exchange(("release", database_url))

    def _exchange(self, message):
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise WriterUnavailable(f"the batch does not pickle: {exc}") from exc
        with self.lock:
            if not self.alive():
                raise WriterUnavailable(self.ended())
            try:
                _write(self.process.stdin, data)
                status, result = pickle.loads(_read(self.process.stdout))
            except (OSError, EOFError) as exc:
                raise WriterUnavailable(self.ended()) from exc
        if status == "failed":
            raise _rebuilt(result)
        return result

    def ended(self):
        if self.process is None:
            return "not started"
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "its pipes broke"
        return f"ended with status {status}"

    def close(self):
        """Close its input (the process ends after the batch it is writing) and wait for it."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            process.stdout.close()


def _write(stream, data):
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream):
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError("the writer process's pipe closed")
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError(f"{len(data)} of {size} bytes before the pipe closed")
    return data


def _chain(exc):
    """``exc`` and what it interrupted (its ``__cause__`` or ``__context__``, five deep), as
    exceptions that pickle (one that does not becomes a RuntimeError with its text)."""
    chain = []
    while exc is not None and len(chain) < 5:
        try:
            pickle.loads(pickle.dumps(exc))
            chain.append(exc.with_traceback(None))
        except Exception:
            chain.append(RuntimeError(f"{type(exc).__name__}: {exc}"))
        exc = exc.__cause__ or exc.__context__
    return chain


def _rebuilt(chain):
    """The first exception of :func:`_chain`'s list, each interrupting the next again."""
    for outer, inner in zip(chain, chain[1:]):
        outer.__context__ = inner
    return chain[0]


def peak_kib():
    """This process's peak resident memory in KiB: ``VmHWM``, its own since it began (Linux).
    Not ``ru_maxrss``, which starts from the parent's size at the fork (about 80 MiB for a
    crawl's) however small the process stays after its exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux; elsewhere the best there is


def _die_with(parent_pid):
    """Be killed when the thread that started this process ends (Linux); gone already: exit."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        sys.exit(0)


def serve(requests, replies):
    """The process: each request answered in turn, until ``requests`` closes."""
    from discogs_harvest.freshness import close_database
    import discogs_harvest.pipelines.writing  # noqa: F401 (what writes batches, imported before the freeze)

    # What the imports built, frozen out of the collector's sight, and collections rarer: a
    # batch unpickles thousands of objects at once (as extensions/collector.py does for a crawl).
    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    writers = {}  # (writer class, database URL) -> its writer, kept between batches
    while True:
        try:
            message = pickle.loads(_read(requests))
        except EOFError:
            return
        if message[0] == "release":
            url = message[1]
            for key in [key for key in writers if key[1] == url]:
                del writers[key]
            close_database(url)
            reply = ("ok", peak_kib())
        else:
            _, writer_class, url, run_id, items, now = message
            writer = writers.get((writer_class, url))
            try:
                if writer is None:
                    writer = writers[(writer_class, url)] = writer_class(url)
                writer.run = run_id
                reply = ("ok", writer.write_transaction(items, now))
            except Exception as exc:  # rolled back: the crawl splits the batch or stops
                if writer is not None:
                    writer.name_ids = {}  # may hold ids of the rolled-back transaction
                reply = ("failed", _chain(exc))
        _write(replies, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with(int(sys.argv[1]))
    sys.stdout.buffer.write(READY)
    sys.stdout.buffer.flush()
    serve(sys.stdin.buffer, sys.stdout.buffer)
