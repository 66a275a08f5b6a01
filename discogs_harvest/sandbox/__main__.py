"""``python -m discogs_harvest.sandbox``: run the Discogs-compatible local server.

Binds ``--host``/``--port`` (0 picks a free port), prints its base URL as the
first line of stdout (tests and ``make demo`` read it), then on stderr what to use
it with (token, window, a crawl command) and, with ``--activity`` (on by default
when stderr is a terminal), one line every few seconds while requests arrive.
Serves until SIGTERM or SIGINT. See the package docstring for the routes and
``--help`` for the options.
"""

import argparse
import asyncio
import collections
import json
import sys
import time


from discogs_harvest.sandbox.app import Sandbox, Settings, build_app
from discogs_harvest.sandbox.auth import Authenticator
from discogs_harvest.sandbox.faults import FaultPlan
from discogs_harvest.sandbox.serving import serving

DEFAULT_TOKENS = {"sandbox-token": "sandbox"}
DEFAULT_CONSUMERS = {"sandbox-key": "sandbox-secret"}


DESCRIPTION = """\
A Discogs-compatible API server on your machine, for trying discogs-harvest without
touching api.discogs.com. It serves brotherlogic's recorded inventory and releases,
synthetic sellers (SecretSpot.Records, synthetic-<listings>-<releases>), and behaves
like Discogs: a moving rate-limit window per client, 429s, 401s, error bodies.

It prints its URL on the first line, then the token to use and a crawl command."""

EPILOG = """\
examples:
  python -m discogs_harvest.sandbox --port 8765 --window 2
      60 requests per 2 s; crawl with -s DISCOGS_RATE_PERIOD=2
  python -m discogs_harvest.sandbox --port 8765 --faults '{"error_rate": 0.1}'
      one answer in ten is a 5xx"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m discogs_harvest.sandbox", description=DESCRIPTION,
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    parser.add_argument("--activity", type=float, default=None, metavar="SECONDS",
                        help="print a line of requests served every SECONDS (default: 5 when stderr is a "
                             "terminal, else off; 0 turns it off)")
    parser.add_argument("--dump-releases", type=int, default=0, metavar="N",
                        help="serve a generated releases dump of N synthetic releases under /data/<YYYY>/")
    parser.add_argument("--dump-first", type=int, default=None, metavar="ID", help="its first release id")
    parser.add_argument("--dump-date", default=None, metavar="YYYYMMDD", help="its date (default 20200806)")
    return parser.parse_args(argv)


def banner(url, args) -> str:
    """What a person needs to use a sandbox that just started (printed on stderr)."""
    period = f"{args.window:g}"
    crawl = f"DISCOGS_TOKEN=sandbox-token scrapy crawl seller_inventory -a seller=brotherlogic -s DISCOGS_API_URL={url}"
    if args.window != 60:
        crawl += f" -s DISCOGS_RATE_PERIOD={period}"
    return "\n".join([
        f"Discogs sandbox listening on {url} (a local stand-in for https://api.discogs.com)",
        "  token:  sandbox-token (or key sandbox-key, secret sandbox-secret)",
        f"  window: {args.limit_auth} requests per {period} s with a token, {args.limit_anon} without"
        + (" (Discogs' own)" if args.window == 60 and args.limit_auth == 60 else ""),
        f"  try:    {crawl}",
        "  Ctrl-C stops it.",
    ])


def activity_line(entries, seconds) -> str:
    """``"12:40:05  34 requests in 5 s: 33 x 200, 1 x 429"``."""
    statuses = collections.Counter("dropped" if e.get("status") is None else e["status"] for e in entries)
    counts = ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    return f"{time.strftime('%H:%M:%S')}  {len(entries)} requests in {seconds:g} s: {counts}"


async def report_activity(sandbox: Sandbox, seconds: float) -> None:
    seen = sandbox.log.last_seq
    while True:
        await asyncio.sleep(seconds)
        entries = sandbox.log.since(seen)
        seen = sandbox.log.last_seq
        if entries:
            print(activity_line(entries, seconds), file=sys.stderr, flush=True)


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
    sandbox = Sandbox(settings, Authenticator(tokens, consumers), plan, args.log, oauth_tokens=oauth_tokens)
    if args.dump_releases:
        from discogs_harvest.sandbox import dumps
        from discogs_harvest.sandbox.generator import SYNTHETIC_BASE

        sandbox.bucket = dumps.Bucket(args.dump_releases, args.dump_first or SYNTHETIC_BASE,
                                      args.dump_date or dumps.DEFAULT_DATE)
    return sandbox


async def serve(args: argparse.Namespace) -> None:
    sandbox = make_sandbox(args)
    for seller in args.warm:
        sandbox.catalog.warm(seller)
    async with serving(build_app(sandbox), sandbox, args.host, args.port) as stop:
        print(sandbox.base_url, flush=True)
        print(banner(sandbox.base_url, args), file=sys.stderr, flush=True)
        activity = args.activity if args.activity is not None else (5.0 if sys.stderr.isatty() else 0.0)
        reporter = asyncio.create_task(report_activity(sandbox, activity)) if activity > 0 else None
        try:
            await stop.wait()
        finally:
            if reporter is not None:
                reporter.cancel()


def main(argv=None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
