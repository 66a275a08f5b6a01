"""HarvestStatsCollector: Scrapy's in-memory stats collector, minus a wrapper on every call.

Scrapy 2.19's ``StatsCollector.__getattribute__`` runs on every attribute read of the
collector and hands back ``inc_value``, ``set_value``, ``get_value`` ... wrapped in a check for
a ``spider`` argument (deprecated), so each call pays a formatted name, a failed and a second
attribute look-up and the wrapper's argument check on top of a dict update
(``scrapy/statscollectors.py``, ``scrapy/utils/decorators.py`` ``_warn_spider_arg``). A harvest
makes such calls for every response and item (CoreStats counts each item scraped, our spiders
and middlewares count their work): about 1.5 % of a seller harvest's reactor thread went to the
wrappers alone (py-spy, issue 12).

This collector reads its attributes as any object does. The methods, the stats, their dump at
close and ``spider_stats`` are MemoryStatsCollector's; only the deprecation warning for a
``spider`` argument is gone (nothing in the project passes one). Set by ``STATS_CLASS``.
"""

from scrapy.statscollectors import MemoryStatsCollector


class HarvestStatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
