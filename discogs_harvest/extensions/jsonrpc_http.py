"""The HTTP side of the JSON-RPC service (:mod:`~discogs_harvest.extensions.jsonrpc`): an aiohttp
server on the crawl's asyncio loop, started and stopped with the engine.

:class:`HttpServer` reads the service's settings (host, port range, token, access log file, read
timeout) and answers with its dispatcher: ``GET`` reads a resource, ``POST`` calls a method, after
:func:`~discogs_harvest.extensions.rpc_protocol.check_access` on every request. It logs under the
service's logger name, so the service's lines read as one (``JSON-RPC listening on ...``).

A module of its own because aiohttp is about a tenth of a second of start-up, and Scrapy imports
the module of every extension the settings name, enabled or not: ``jsonrpc.py`` imports this one
only when ``JSONRPC_ENABLED`` starts the service.
"""

import asyncio
import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from discogs_harvest.extensions import rpc_protocol as rpc

logger = logging.getLogger("discogs_harvest.extensions.jsonrpc")

# Requests are a few hundred bytes; anything larger is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024
# Seconds given to open connections when the engine stops.
STOP_TIMEOUT = 2.0


class AccessLogger(AbstractAccessLogger):
    """One line per request: client, method, path, status, time. Never headers (the token)."""

    level = logging.INFO

    def log(self, request, response, time):
        self.logger.log(self.level, "%s %s %s %s %.3fs", request.remote, request.method,
                        request.path, response.status, time)


class DebugAccessLogger(AccessLogger):
    level = logging.DEBUG

    @property
    def enabled(self):
        return self.logger.isEnabledFor(self.level)


class HttpServer:
    """Serves ``service.dispatcher`` over HTTP on ``service.host`` and the first free port of
    ``service.ports``; counts the requests it answered and refused."""

    def __init__(self, service):
        self.service = service
        self.runner = None
        self.log_handler = None
        self.requests = 0
        self.refusals = 0

    def access_logger(self):
        """Where access lines go: JSONRPC_LOGFILE, or the Scrapy log at DEBUG."""
        if not self.service.logfile:
            return logging.getLogger(f"{logger.name}.access"), DebugAccessLogger
        access = logging.getLogger(f"{logger.name}.access.file")
        access.propagate = False
        access.setLevel(logging.INFO)
        self.log_handler = logging.FileHandler(self.service.logfile, encoding="utf-8")
        self.log_handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(self.log_handler)
        return access, AccessLogger

    async def start(self):
        """The URL it listens on, or None when it could not start (logged; the crawl goes on)."""
        try:
            app = web.Application(client_max_size=MAX_BODY_BYTES)
            app.router.add_get("/{path:.*}", self.handle_get, allow_head=False)
            app.router.add_post("/{path:.*}", self.handle_post)
            access_log, access_log_class = self.access_logger()
            self.runner = web.AppRunner(app, access_log=access_log, access_log_class=access_log_class,
                                        shutdown_timeout=STOP_TIMEOUT, handler_cancellation=True)
            await self.runner.setup()
            port = await self.bind()
        except Exception:
            logger.exception("JSON-RPC service failed to start")
            await self.stop()
            return None
        host = self.service.host
        url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        logger.info("JSON-RPC listening on %s", url)
        return url

    async def bind(self):
        """Listen on the first free port of the range (like scrapy-jsonrpc's listen_tcp)."""
        low, high = self.service.ports
        for port in range(low, high + 1):
            site = web.TCPSite(self.runner, self.service.host, port)
            try:
                await site.start()
            except OSError:
                await site.stop()  # unregisters it from the runner
                if port == high:
                    raise
                continue
            return self.runner.addresses[-1][1]
        raise OSError("no port to try")  # unreachable: the range has at least one port

    async def stop(self):
        if self.runner is not None:
            logger.info("JSON-RPC service stopped after %d requests (%d refused)",
                        self.requests, self.refusals)
            try:
                await self.runner.cleanup()
            except Exception:
                logger.exception("Error stopping the JSON-RPC service")
            finally:
                self.runner = None
        if self.log_handler is not None:
            logging.getLogger(f"{logger.name}.access.file").removeHandler(self.log_handler)
            self.log_handler.close()
            self.log_handler = None

    def refused(self, request):
        denied = rpc.check_access(request.headers, self.service.token, self.service.allowed_hosts)
        self.requests += 1
        if denied is not None:
            self.refusals += 1
            logger.warning("JSON-RPC %s %s from %s refused: %s", request.method, request.path,
                           request.remote, denied[1]["error"]["message"])
        return denied

    async def handle_get(self, request):
        status, payload = self.refused(request) or self.service.dispatcher.get(request.match_info["path"])
        return self.respond(status, payload)

    async def handle_post(self, request):
        denied = self.refused(request)
        if denied is not None:
            return self.respond(*denied)
        timeout = self.service.read_timeout
        try:
            body = await asyncio.wait_for(request.read(), timeout)
        except web.HTTPRequestEntityTooLarge:
            return self.respond(413, rpc.error_response(None, rpc.INVALID_REQUEST, "Request too large"))
        except asyncio.TimeoutError:
            logger.warning("JSON-RPC request from %s not complete after %g s (JSONRPC_READ_TIMEOUT): closed",
                           request.remote, timeout)
            response = self.respond(408, rpc.error_response(None, rpc.INVALID_REQUEST, "Request not complete in time"))
            response.force_close()
            # Sent now and the connection dropped: aiohttp would otherwise linger reading the rest.
            await response.prepare(request)
            await response.write_eof()
            if request.transport is not None:
                request.transport.close()
            return response
        status, payload = self.service.dispatcher.post(request.match_info["path"], body)
        return self.respond(status, payload)

    @staticmethod
    def respond(status, payload):
        if payload is None:
            return web.Response(status=status)
        return web.Response(status=status, text=rpc.encode(payload) + "\n", content_type="application/json")
