"""``python -m discogs_harvest.sandbox``: run the Discogs-compatible local server.

Binds ``--host``/``--port`` (0 picks a free port), prints its base URL as the
first line of stdout, and serves until SIGTERM or SIGINT. See the package
docstring for the routes and ``--help`` for the options.
"""

import argparse
import asyncio
import json
import signal

from aiohttp import web

from discogs_harvest.sandbox.app import Sandbox, Settings, build_app
from discogs_harvest.sandbox.auth import Authenticator
from discogs_harvest.sandbox.faults import FaultPlan

DEFAULT_TOKENS = {"sandbox-token": "sandbox"}
DEFAULT_CONSUMERS = {"sandbox-key": "sandbox-secret"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m discogs_harvest.sandbox", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window in seconds (Discogs: 60)")
    parser.add_argument("--limit-auth", type=int, default=60, help="requests per window with credentials")
    parser.add_argument("--limit-anon", type=int, default=25, help="requests per window without credentials")
    parser.add_argument("--retry-after", type=float, default=None, help="send Retry-After on 429 (default: never)")
    parser.add_argument("--token", action="append", default=[], metavar="TOKEN[=USERNAME]",
                        help="accept a personal token acting as USERNAME (default user: sandbox); repeatable")
    parser.add_argument("--consumer", action="append", default=[], metavar="KEY:SECRET",
                        help="accept a consumer key/secret; repeatable")
    parser.add_argument("--oauth-token", action="append", default=[], metavar="TOKEN:SECRET=USERNAME",
                        help="accept an OAuth access token and secret acting as USERNAME (as if issued by "
                             "/oauth/access_token); repeatable")
    parser.add_argument("--log", default=None, metavar="FILE.jsonl", help="also append the request log to FILE")
    parser.add_argument("--faults", default=None, metavar="JSON", help='fault plan, e.g. \'{"error_rate": 0.1}\'')
    parser.add_argument("--warm", action="append", default=[], metavar="SELLER",
                        help="serialise the first 10,000 listings of SELLER and their releases before "
                             "printing the URL (for benchmarks); repeatable")
    return parser.parse_args(argv)


def make_sandbox(args: argparse.Namespace) -> Sandbox:
    tokens = dict(DEFAULT_TOKENS)
    for spec in args.token:
        token, _, user = spec.partition("=")
        tokens[token] = user or "sandbox"
    consumers = dict(DEFAULT_CONSUMERS)
    for spec in args.consumer:
        key, _, secret = spec.partition(":")
        consumers[key] = secret
    settings = Settings(args.window, args.limit_auth, args.limit_anon, args.retry_after)
    plan = FaultPlan.from_dict(json.loads(args.faults)) if args.faults else None
    oauth_tokens = {}
    for spec in args.oauth_token:
        pair, _, user = spec.partition("=")
        token, _, secret = pair.partition(":")
        oauth_tokens[token] = (secret, user or "sandbox")
    return Sandbox(settings, Authenticator(tokens, consumers), plan, args.log, oauth_tokens=oauth_tokens)


async def serve(args: argparse.Namespace) -> None:
    sandbox = make_sandbox(args)
    for seller in args.warm:
        sandbox.catalog.warm(seller)
    runner = web.AppRunner(build_app(sandbox), access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    host, port = runner.addresses[0][:2]
    sandbox.base_url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    # Handlers before the URL line: whoever read the URL may stop us at once.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(sandbox.base_url, flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        sandbox.log.close()


def main(argv=None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
