"""Scrapy's download handlers imported before a crawl starts, at a fraction of their import cost.

Scrapy 2.19's TLS modules (``scrapy/core/downloader/tls.py`` and ``contextfactory.py``) define
three deprecated classes with ``create_deprecated_class`` (``scrapy/utils/deprecate.py``), which
names each class's module with ``inspect.stack()[1]`` and ``inspect.getmodule(frame)``: the first
builds a FrameInfo, source line included, for every frame on the stack, the second walks every
loaded module to map file names to modules. Together about 55 ms of each crawl process's start-up
(70 ms against 16 ms for importing the HTTP/1.1 handler, measured 2026-12-06), for a module name
the calling frame already holds. :func:`preload_handlers` imports the handlers with those two
calls answered from that frame; everything else about the classes is Scrapy's.
"""

import inspect
import sys
from contextlib import contextmanager

from scrapy.utils.misc import load_object


class _FrameInspector:
    """``inspect`` as ``create_deprecated_class`` uses it, its two costly calls made cheap."""

    def __getattr__(self, name):
        return getattr(inspect, name)

    @staticmethod
    def stack(context=1):
        # [1][0] is all the caller reads: the frame of the module calling create_deprecated_class
        # (0 is this call, 1 create_deprecated_class, 2 its caller).
        return [None, (sys._getframe(2),)]

    @staticmethod
    def getmodule(frame):
        return sys.modules.get(frame.f_globals.get("__name__"))


@contextmanager
def cheap_class_naming():
    """While the block runs, Scrapy's deprecated classes are named from their caller's frame
    (when ``scrapy.utils.deprecate`` still names them through ``inspect``)."""
    from scrapy.utils import deprecate

    if getattr(deprecate, "inspect", None) is not inspect:
        yield  # Scrapy changed how it names them: nothing to make cheaper
        return
    deprecate.inspect = _FrameInspector()
    try:
        yield
    finally:
        deprecate.inspect = inspect


def preload_handlers(settings):
    """Import the download handlers ``settings`` names, before the reactor runs and a few frames
    deep (not when the engine builds them, some 150 frames deep)."""
    with cheap_class_naming():
        for path in settings.getdict("DOWNLOAD_HANDLERS").values():
            if isinstance(path, str):
                load_object(path)
