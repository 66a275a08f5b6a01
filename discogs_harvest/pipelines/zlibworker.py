"""A batch's kept bodies compressed in a process of its own, one exchange a batch.

Storage keeps every body zlib-compressed (``raw_bodies``). zlib lets go of the GIL while it
works, so a thread that compresses body after body must take the GIL back after each one: storage's
writer thread, doing so beside the busy reactor, spent 1.4-2.5 s of wall time on 0.35 s of
compression for 5,000 listings (issue 12), and moved onto the reactor's thread the compression
made that thread, which sets a harvest's pace, do 7 % more work (callgrind). Here the writer thread
sends a whole batch's bodies to a small worker process in one message and reads the blobs back in
one: two waits a batch instead of one a body, and the work on another core.

The worker is this file run as a script (``python -I zlibworker.py``: the standard library only,
started in a few milliseconds, no project import). Messages are bytes, never pickles: a request
is the zlib level and the bodies, a reply the compressed bodies in the same order, each item
framed by its length. The worker ends when its input closes, also when the crawl's process is
killed. :class:`ZlibWorker` starts it on first use and, should it fail or die, compresses in this
process as before, so the bodies are always the ones ``zlib.compress`` makes.
"""

import logging
import struct
import subprocess
import sys
import zlib

logger = logging.getLogger(__name__)

_LENGTH = struct.Struct("<I")  # each item's length, little-endian, before it
_HEADER = struct.Struct("<BI")  # a request's zlib level and number of bodies


class ZlibWorker:
    """``compress(bodies, level)``: ``[zlib.compress(body, level) for body in bodies]``, done by a
    worker process once a batch holds ``min_bodies`` or more (fewer are not worth the exchange).
    Not thread-safe: one thread (storage's writer) uses it."""

    def __init__(self, min_bodies=32):
        self.min_bodies = min_bodies
        self.process = None
        self.failed = False  # the worker could not start or broke: compress here from then on

    def compress(self, bodies, level):
        if len(bodies) >= self.min_bodies and not self.failed:
            try:
                return self._exchange(bodies, level)
            except (OSError, ValueError, struct.error) as exc:
                logger.debug("zlib worker unavailable (%s): compressing in this process", exc)
                self.failed = True
                self.close()
        return [zlib.compress(body, level) for body in bodies]

    def _exchange(self, bodies, level):
        if self.process is None:
            self.process = subprocess.Popen([sys.executable, "-I", __file__], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE)
        request = [_HEADER.pack(level, len(bodies))]
        for body in bodies:
            request += (_LENGTH.pack(len(body)), body)
        self.process.stdin.write(b"".join(request))
        self.process.stdin.flush()
        return _read_items(self.process.stdout, len(bodies))

    def close(self):
        """End the worker (its input closed), if it runs."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        finally:
            process.stdout.close()


def _read_exactly(stream, size):
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"zlib worker: {len(data)} of {size} bytes before its output ended")
    return data


def _read_items(stream, count):
    items = []
    for _ in range(count):
        (size,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
        items.append(_read_exactly(stream, size))
    return items


def serve(requests, replies):
    """The worker: each request's bodies compressed, replied in one write, until ``requests`` ends."""
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # the crawl closed its end (or ended)
        level, count = _HEADER.unpack(header)
        reply = []
        for body in _read_items(requests, count):
            blob = zlib.compress(body, level)
            reply += (_LENGTH.pack(len(blob)), blob)
        replies.write(b"".join(reply))
        replies.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
