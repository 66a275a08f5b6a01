"""Serve one of the sandbox's aiohttp apps in its child process until it is told to stop.

The Discogs sandbox (``python -m discogs_harvest.sandbox``) and the foreign stand-ins
(:mod:`~discogs_harvest.sandbox.youtube`, :mod:`~discogs_harvest.sandbox.foreign`) all run
the same way: bind (port 0 picks a free one), record the URL on the server object, stop on
SIGTERM or SIGINT, then close the app and the server's request log. The caller prints the URL
as the first stdout line, which :class:`~discogs_harvest.sandbox.process.SandboxProcess` reads.
"""

import asyncio
import contextlib
import signal

from aiohttp import web


@contextlib.asynccontextmanager
async def serving(app, server, host, port):
    """Serve ``app`` on ``host:port``; sets ``server.base_url`` and yields the stop event.

    The signal handlers are in place before the caller announces the URL: whoever reads the
    URL may stop the process at once. On leaving, the app is cleaned up and ``server.log``
    closed.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    server.base_url = (f"http://{bound_host}:{bound_port}" if ":" not in bound_host
                       else f"http://[{bound_host}]:{bound_port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        await runner.cleanup()
        server.log.close()


def control(key, action):
    """A ``/_sandbox/...`` control route: ``action(server, request, json_body)`` where the server
    is ``request.app[key]``; its result as JSON, a bad argument as 400 with its message."""

    async def handler(request):
        data = await request.json() if request.can_read_body else {}
        try:
            result = action(request.app[key], request, data or {})
        except (TypeError, ValueError, AttributeError) as exc:
            return web.json_response({"message": str(exc)}, status=400)
        return web.json_response(result)

    return handler
