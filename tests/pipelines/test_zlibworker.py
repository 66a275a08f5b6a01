"""The zlib worker process (discogs_harvest/pipelines/zlibworker.py): a batch's bodies compressed
in one exchange, exactly as zlib.compress in this process would, and this process's own zlib
whenever the worker is not worth starting or cannot serve."""

import os
import signal
import zlib

import pytest

from discogs_harvest.pipelines.zlibworker import ZlibWorker

pytestmark = pytest.mark.timeout(30)

BODIES = [b'{"id": %d, "comments": "Sealed, \\u00e9t\\u00e9 2019"}' % n * (1 + n % 7) for n in range(50)] + [b"", b"x"]


@pytest.fixture
def worker():
    worker = ZlibWorker(min_bodies=2)
    yield worker
    worker.close()


@pytest.mark.parametrize("level", [1, 3, 6, 9])
def test_the_worker_compresses_as_zlib_compress_does_at_each_level(worker, level):
    assert worker.compress(BODIES, level) == [zlib.compress(body, level) for body in BODIES]
    assert worker.process is not None and worker.process.poll() is None  # one worker, kept for the next batch
    first = worker.process.pid
    assert worker.compress(BODIES[:3], level) == [zlib.compress(body, level) for body in BODIES[:3]]
    assert worker.process.pid == first


def test_a_batch_too_small_is_compressed_here_without_starting_a_worker():
    worker = ZlibWorker(min_bodies=32)
    assert worker.compress(BODIES[:31], 6) == [zlib.compress(body, 6) for body in BODIES[:31]]
    assert worker.compress([], 6) == []
    assert worker.process is None


def test_a_worker_that_died_leaves_this_process_compressing(worker):
    worker.compress(BODIES[:2], 6)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    assert worker.compress(BODIES, 6) == [zlib.compress(body, 6) for body in BODIES]
    assert worker.failed and worker.process is None
    assert worker.compress(BODIES, 6) == [zlib.compress(body, 6) for body in BODIES]  # no new worker


def test_closing_ends_the_worker_through_its_input(worker):
    worker.compress(BODIES[:2], 6)
    process = worker.process
    worker.close()
    assert process.returncode == 0 and worker.process is None
    worker.close()  # twice is harmless
