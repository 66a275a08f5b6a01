"""Errors that need nothing of Scrapy's, so modules without it import them: the storage
writer process (:mod:`discogs_harvest.pipelines.writerprocess`) opens databases without
loading Scrapy, whose package import alone is about 40 MiB and 0.2 s.

:mod:`discogs_harvest.exceptions` exports them too, beside the item drops (which subclass
Scrapy's ``DropItem``).
"""


class HarvestConfigError(ValueError):
    """Bad user input (spider argument, setting): reported as one line, exit status 2."""
