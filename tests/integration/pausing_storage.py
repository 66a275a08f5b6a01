"""A StoragePipeline that stops inside its write transaction, so a test can SIGKILL it there.

Enabled only by tests (through ``ITEM_PIPELINES``): on the first flush that writes releases,
it prints ``PAUSED IN TRANSACTION`` to stderr after the rows are written and before the
commit, then sleeps. Killing the process now leaves a half-written transaction behind. The
writer process (pipelines/writerprocess.py) writes with :class:`PausingWriter`, so it pauses
there, and dies with the crawl that started it.
"""

import sys
import time

from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.pipelines.writing import BatchWriter


class Pausing:
    paused = False

    def write_checkpoints(self, items, releases, now):
        rows = super().write_checkpoints(items, releases, now)
        if releases and not self.paused:
            self.paused = True
            print("PAUSED IN TRANSACTION", file=sys.stderr, flush=True)
            time.sleep(60)  # the test kills the process long before this ends
        return rows


class PausingWriter(Pausing, BatchWriter):
    pass


class PausingStoragePipeline(Pausing, StoragePipeline):
    process_writer = PausingWriter
