"""Exceptions of discogs-harvest.

Item drops use one :class:`~scrapy.exceptions.DropItem` subclass per reason, so Scrapy
counts ``item_dropped_reasons_count/<Class>`` without any code of ours.
"""

from scrapy.exceptions import DropItem

from discogs_harvest.errors import HarvestConfigError  # noqa: F401 (exported here too)


class DuplicateItem(DropItem):
    """The same listing or release was already processed in this run."""


class InvalidItem(DropItem):
    """An item lacks a field the schema requires."""
