"""Garbage collection tuned for a crawl: what start-up built frozen, collections rarer.

A harvest allocates many short-lived containers per response (a page's decoded JSON, a
loader and an item per listing, rows and parameters), freed by reference counting, yet each
allocation counts towards CPython's collection thresholds (700 in the youngest generation),
and every older collection re-scans what lives for the whole crawl (Scrapy, peewee, the
models, the settings). On a synthetic seller that was about 3 ms of an inventory page's CPU
(issue 12). When the engine starts, ``gc.freeze()`` moves what exists out of the collector's
sight (Python docs, gc.freeze: "move all objects tracked by the garbage collector into a
permanent generation") and the youngest generation grows to ``HARVEST_GC_THRESHOLD``; cycles
are still collected. When the engine stops, both are restored (an in-process runner may crawl
again; what someone else froze stays frozen). The dump import tunes its own work the same way
(:mod:`discogs_harvest.dump.importer`).

Settings: ``HARVEST_GC_ENABLED``, ``HARVEST_GC_THRESHOLD``.
"""

import gc
import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class CollectorTuning:
    def __init__(self, crawler):
        if not crawler.settings.getbool("HARVEST_GC_ENABLED", True):
            raise NotConfigured("HARVEST_GC_ENABLED is off")
        self.threshold = crawler.settings.getint("HARVEST_GC_THRESHOLD", 50_000)
        if self.threshold < 1:
            raise NotConfigured("HARVEST_GC_THRESHOLD must be >= 1")
        self.saved = None
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def engine_started(self):
        self.saved = tune(self.threshold)
        if logger.isEnabledFor(logging.DEBUG):  # counting the frozen objects walks them all
            logger.debug("Collector: %s objects frozen, youngest generation %s", gc.get_freeze_count(),
                         gc.get_threshold()[0])

    def engine_stopped(self):
        if self.saved is not None:
            restore(self.saved)
            self.saved = None


def tune(threshold):
    """Freeze what exists now and let the youngest generation grow to ``threshold``; returns what
    :func:`restore` puts back. The dump import's processes use it too."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(max(threshold, thresholds[0]), *thresholds[1:])
    return thresholds, frozen


def restore(saved):
    """Put back the thresholds :func:`tune` found; unfreeze unless someone else had frozen objects."""
    thresholds, frozen = saved
    gc.set_threshold(*thresholds)
    if not frozen:  # objects someone else froze stay frozen
        gc.unfreeze()
