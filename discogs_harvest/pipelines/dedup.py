"""DedupPipeline: each listing and each release is processed once per run.

Inventory pages are live queries, so a listing can show up on two pages while a
seller edits stock, and two sellers can list the same release. The first item
with a given ``listing_id`` (``ListingItem``) or ``release_id`` (``ReleaseItem``)
goes on; later ones are dropped with :class:`~discogs_harvest.exceptions.DuplicateItem`
at DEBUG level (an expected drop), which Scrapy counts as
``item_dropped_reasons_count/DuplicateItem``. Other items (the inventory snapshot)
pass through. Items without an id pass through too: storage rejects them.

No settings.
"""

import logging

from discogs_harvest.exceptions import DuplicateItem
from discogs_harvest.idsets import IdSet
from discogs_harvest.items import ListingItem, ReleaseItem

logger = logging.getLogger(__name__)

# Item class -> the field that identifies it, and the word used in messages.
KEYS = {ListingItem: ("listing_id", "listing"), ReleaseItem: ("release_id", "release")}


class DedupPipeline:
    def __init__(self):
        # Compact sets (idsets.py): one id per listing of the inventory, kept for the whole run.
        self.seen = {kind: IdSet() for _, kind in KEYS.values()}
        self.dropped = dict.fromkeys(self.seen, 0)

    def process_item(self, item):
        field, kind = KEYS.get(type(item), (None, None))
        if field is None:
            return item
        item_id = getattr(item, field)
        if item_id is None:
            return item
        seen = self.seen[kind]
        if item_id in seen:
            self.dropped[kind] += 1
            # Scrapy 2.19: DropItem(message, log_level=None); LogFormatter.dropped
            # turns a level name into a level with getattr(logging, name).
            raise DuplicateItem(f"duplicate {kind} {item_id}", log_level="DEBUG")
        seen.add(item_id)
        return item

    def close_spider(self):
        logger.info(
            "Dedup: %d listings and %d releases kept, %d duplicate listings and %d duplicate releases dropped",
            len(self.seen["listing"]),
            len(self.seen["release"]),
            self.dropped["listing"],
            self.dropped["release"],
        )
