"""Storage pipelines for tests of the writer process, with the writer each has it build there.

Importable without pytest: the writer process imports the writer class it is sent.
"""

import os

from discogs_harvest.pipelines.storage import StoragePipeline
from discogs_harvest.pipelines.writing import BatchWriter


class Refusing:
    """Refuses any batch holding listing 101 (the rest of its batch stored item by item)."""

    def write_listings(self, listings, now):
        if any(listing.listing_id == 101 for listing in listings):
            raise ValueError("listing 101 cannot be stored")
        return super().write_listings(listings, now)


class RefusingWriter(Refusing, BatchWriter):
    pass


class RefusingPipeline(Refusing, StoragePipeline):
    process_writer = RefusingWriter


class PidWriter(BatchWriter):
    """Counts, in ``tally["writer_pid/<pid>"]``, the batches each process wrote."""

    def write_transaction(self, items, now=None, bodies=None):
        tally = super().write_transaction(items, now, bodies)
        tally[f"writer_pid/{os.getpid()}"] += 1
        return tally


class PidPipeline(PidWriter, StoragePipeline):
    process_writer = PidWriter


class Full(BatchWriter):
    """The disk fills up under the writer process, behind a rollback that fails too."""

    def write_records(self, releases, listings, now):
        import sqlite3

        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as full:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active") from full


class FullPipeline(StoragePipeline):
    process_writer = Full
