"""A JSON-RPC 2.0 web service to watch and steer a running harvest.

It speaks the protocol of scrapy-jsonrpc (https://github.com/scrapy-plugins/scrapy-jsonrpc:
``scrapy_jsonrpc/webservice.py``, ``jsonrpc.py`` and ``example-client.py``), whose
PyPI release (0.3.0) does not import on Python 3 / Scrapy 2.x: ``GET /`` lists the
resources, ``GET /crawler/...`` reads, ``POST /crawler/...`` with a JSON-RPC request
calls a method. The calls its example client makes work unchanged:

- ``crawler/stats``   ``get_stats`` [spider name]         ``GET`` the same (also at ``/stats``)
- ``crawler/engine``  ``close_spider`` <spider name>       ``GET crawler/engine/open_spiders``
- ``crawler/spiders`` ``list``                             ``GET`` the same

and a UI gets ``crawler/progress`` ``get_progress`` (the snapshot of
:mod:`~discogs_harvest.extensions.progress`: pages, releases, items, requests,
budget use, current wait, ETA), ``crawler/engine`` ``pause`` / ``unpause``, and
``crawler/stats`` ``get_value`` <key> [default].

Unlike scrapy-jsonrpc it reaches nothing by attribute: the tree below is an
allowlist (:mod:`~discogs_harvest.extensions.rpc_protocol`), so ``crawler/__class__``
or ``crawler/engine/_slot`` are "Method not found". It sends no CORS headers,
refuses browser cross-origin and DNS-rebinding requests, checks ``JSONRPC_TOKEN``
when one is set, and refuses to listen beyond loopback without one. The aiohttp
server (:mod:`~discogs_harvest.extensions.jsonrpc_http`, imported only when the service
starts) runs on the crawl's asyncio loop, started and stopped with the engine the
way Scrapy's own ``scrapy/extensions/remote_control.py`` does, which however
executes code sent to it; this service never does.

Settings: ``JSONRPC_ENABLED``, ``JSONRPC_HOST``, ``JSONRPC_PORT`` (a port, a
``[low, high]`` range or ``"low-high"``, 0 for any free port), ``JSONRPC_LOGFILE``
(an access log file; unset: access lines go to the Scrapy log at DEBUG),
``JSONRPC_TOKEN`` (the ``X-JSONRPC-Token`` header every request must carry),
``JSONRPC_READ_TIMEOUT`` (seconds a request's body may take to arrive; then 408 and closed).
The listening address is logged as ``JSON-RPC listening on http://HOST:PORT``.
"""

import asyncio
import logging
import re

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.asyncio import is_asyncio_available

from discogs_harvest.extensions import rpc_protocol as rpc
from discogs_harvest.extensions.progress import ProgressSource

logger = logging.getLogger(__name__)

# The close reason a JSON-RPC close_spider records unless the caller names one.
CLOSE_REASON = "closed_by_jsonrpc"
# Only reasons that describe an interruption: "finished" (or a failure reason such as
# "seller_not_found") would record a partial run as something it is not, and "finished"
# would let the staleness pipeline consume its checkpoint and mark listings unavailable.
REASON_PATTERN = re.compile(r"(closed|stopped|interrupted|cancelled|paused)_by_[a-z0-9_]{1,40}|shutdown")


def parse_port_range(value):
    """``JSONRPC_PORT`` -> ``(low, high)``: 6080, "6080", [6080, 7030], "6080,7030", "6080-7030", 0."""
    if value in (None, "", 0, "0"):
        return 0, 0
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,\-\[\]]+", value) if p]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = [value]
    try:
        ports = [int(p) for p in parts]
    except (TypeError, ValueError):
        raise NotConfigured(f"JSONRPC_PORT {value!r} is not a port or a [low, high] range") from None
    if len(ports) == 1:
        ports *= 2
    if len(ports) != 2 or not 0 <= ports[0] <= ports[1] <= 65535:
        raise NotConfigured(f"JSONRPC_PORT {value!r} is not a port or a [low, high] range")
    return ports[0], ports[1]


def spider_name(value):
    """A spider named by the client: its name, or scrapy-jsonrpc's ``spider:<hex id>:<name>``."""
    if not isinstance(value, str):
        raise rpc.InvalidParams("spider must be a spider name (a string)")
    return value.rsplit(":", 1)[-1] if value.startswith("spider:") else value


class JsonRpcService:
    """Serves the allowlisted crawler resources over HTTP while the engine runs."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("JSONRPC_ENABLED"):
            raise NotConfigured
        if settings.getbool("TWISTED_REACTOR_ENABLED", True) and not is_asyncio_available():
            raise NotConfigured("JSONRPC_ENABLED needs the asyncio reactor")
        self.crawler = crawler
        self.host = settings.get("JSONRPC_HOST") or "127.0.0.1"
        self.ports = parse_port_range(settings.get("JSONRPC_PORT"))
        self.logfile = settings.get("JSONRPC_LOGFILE")
        self.token = settings.get("JSONRPC_TOKEN") or ""
        # A half-sent request must not hold a connection (and the run's shutdown) open.
        self.read_timeout = settings.getfloat("JSONRPC_READ_TIMEOUT", 10.0)
        if not self.token and not rpc.is_loopback_host(self.host):
            raise NotConfigured(
                f"JSONRPC_HOST {self.host} is not a loopback address: set JSONRPC_TOKEN to serve it"
            )
        self.allowed_hosts = {self.host.lower(), *rpc.LOOPBACK_NAMES}
        self.progress = ProgressSource(crawler)
        self.dispatcher = rpc.Dispatcher(self.resources())
        self.server = None
        self.url = None
        self.tasks = set()
        crawler.signals.connect(self.start, signal=signals.engine_started)
        crawler.signals.connect(self.stop, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # --- the allowlist -------------------------------------------------------------

    def resources(self):
        stats = rpc.Resource(
            read=self.get_stats,
            methods={"get_stats": self.get_stats, "get_value": self.get_value},
        )
        engine = rpc.Resource(
            methods={"close_spider": self.close_spider, "pause": self.pause, "unpause": self.unpause},
            children={
                "open_spiders": rpc.Resource(read=self.open_spiders),
                "paused": rpc.Resource(read=self.is_paused),
            },
        )
        spiders = rpc.Resource(read=self.list_spiders, methods={"list": self.list_spiders})
        progress = rpc.Resource(read=self.get_progress, methods={"get_progress": self.get_progress})
        crawler = rpc.Resource(
            children={"stats": stats, "engine": engine, "spiders": spiders, "progress": progress}
        )
        # scrapy-jsonrpc's example client asks /stats for get-global-stats and
        # get-spider-stats: the same resource, at the root too.
        return rpc.Resource(children={"crawler": crawler, "stats": stats})

    # --- methods (every one checks its arguments; they run on the crawl's loop) --------

    def running_spider(self, name=None):
        spider = self.crawler.spider
        engine = self.crawler._engine  # None until the crawl starts (scrapy/crawler.py)
        if spider is None or engine is None or engine.spider is None:
            raise rpc.InvalidParams("no spider is running")
        if name is not None and spider_name(name) != spider.name:
            raise rpc.InvalidParams(f"spider {spider_name(name)!r} is not running")
        return spider

    def get_stats(self, spider=None):
        if spider is not None:
            self.running_spider(spider)
        return dict(self.crawler.stats.get_stats())

    def get_value(self, key, default=None):
        if not isinstance(key, str):
            raise rpc.InvalidParams("key must be a string")
        return self.crawler.stats.get_value(key, default)

    def open_spiders(self):
        engine = self.crawler._engine
        return [engine.spider.name] if engine is not None and engine.spider is not None else []

    def is_paused(self):
        engine = self.crawler._engine
        return bool(engine is not None and engine.paused)

    def list_spiders(self):
        """The project's spiders, plus the running one (``scrapy runspider`` has no project entry)."""
        names = set(self.open_spiders())
        try:
            names.update(get_spider_loader(self.crawler.settings).list())
        except Exception:  # a broken spider module must not break the service
            logger.warning("Cannot list the project's spiders", exc_info=True)
        return sorted(names)

    def get_progress(self):
        return self.progress.snapshot()

    def close_spider(self, spider, reason=None):
        """Close the running spider like Ctrl-C once would: in-flight requests finish."""
        running = self.running_spider(spider)
        if reason is None:
            reason = CLOSE_REASON
        if not isinstance(reason, str) or not REASON_PATTERN.fullmatch(reason):
            raise rpc.InvalidParams("reason must describe an interruption, like closed_by_jsonrpc or "
                                    "stopped_by_<who> (lower case letters, digits, _)")
        logger.info("JSON-RPC close_spider %s (%s)", running.name, reason)
        # Return now: closing waits for in-flight requests, and the caller only needs
        # to know it started. Keep a reference so the task is not garbage-collected.
        task = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=reason))
        self.tasks.add(task)
        task.add_done_callback(self.closed)
        return {"spider": running.name, "closing": True, "reason": reason}

    def closed(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("JSON-RPC close_spider failed", exc_info=task.exception())

    def pause(self):
        self.running_spider()
        self.crawler.engine.pause()
        logger.info("JSON-RPC pause: no new requests until unpause")
        return {"paused": True}

    def unpause(self):
        self.running_spider()
        engine = self.crawler.engine
        engine.unpause()
        # The engine looks for requests again at its next heartbeat (5 s) or event; when
        # everything in flight has drained there is no event, so wake it now.
        slot = getattr(engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()
        logger.info("JSON-RPC unpause")
        return {"paused": False}

    # --- HTTP (jsonrpc_http.py) -------------------------------------------------------

    async def start(self):
        # Imported here, not at the top: Scrapy imports every listed extension's module, enabled
        # or not, and aiohttp is about a tenth of a second of every command's start-up.
        from discogs_harvest.extensions.jsonrpc_http import HttpServer

        self.server = HttpServer(self)
        self.url = await self.server.start()

    async def stop(self):
        if self.server is not None:
            await self.server.stop()
            self.server = None
