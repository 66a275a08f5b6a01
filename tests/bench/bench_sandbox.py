"""How many requests per second the sandbox serves, so it is never a benchmark's bottleneck.

Run: ``.venv/bin/python -m tests.bench.bench_sandbox [--seconds 3] [--concurrency 16]``.
Starts one sandbox (rate limits out of the way) and, per scenario, keeps ``concurrency``
keep-alive connections busy for ``seconds``, then prints requests/second. The client is a
few lines of asyncio streams rather than aiohttp's client, which would cost more CPU than
the server it measures (both share this machine's cores).

Scenarios: recorded and generated releases already served once ("hot": cached bytes),
releases never asked for before ("cold": generated on the request), brotherlogic's
inventory pages of 100, and pages of 100 of a 100,000-listing synthetic seller, first
walked cold then hot, then in a sandbox started with ``--warm`` (generation moved to start-up).
"""

import argparse
import asyncio
import itertools
import time
from urllib.parse import urlsplit

from discogs_harvest.sandbox.process import SandboxProcess

HEADERS = "User-Agent: discogs-harvest-bench/1.0\r\nAuthorization: Discogs token=sandbox-token\r\n"
BIG = "synthetic-100000-20000"


async def _worker(host, port, paths, deadline, counts):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            path = next(paths, None)
            if path is None:  # a finite scenario ran out
                break
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{HEADERS}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            counts[status] = counts.get(status, 0) + 1
    finally:
        writer.close()


async def _run(url, paths, seconds, concurrency):
    parts = urlsplit(url)
    counts = {}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(parts.hostname, parts.port, paths, deadline, counts)
                           for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return sum(counts.values()) / elapsed, counts


def measure(url, name, paths, seconds, concurrency):
    rate, counts = asyncio.run(_run(url, paths, seconds, concurrency))
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
    print(f"{name:<60} {rate:8.0f} req/s   ({statuses})", flush=True)
    return rate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)

    big = [f"/users/{BIG}/inventory?per_page=100&page={page}" for page in range(1, 101)]
    started = time.perf_counter()
    sandbox = SandboxProcess("--limit-auth", "1000000000", "--limit-anon", "1000000000").start()
    print(f"{'sandbox start-up (to the URL line)':<60} {time.perf_counter() - started:8.3f} s", flush=True)
    try:
        brotherlogic = [f"/users/brotherlogic/inventory?per_page=100&page={page}" for page in range(1, 5)]
        releases = [551582, 249504, 1052359, 90_000_001, 98_000_123, 2425133]
        run = lambda name, paths: measure(sandbox.url, name, paths, args.seconds, args.concurrency)  # noqa: E731
        run("releases, hot (cached bytes)", itertools.cycle(f"/releases/{r}" for r in releases))
        run("releases, cold (generated per request)", (f"/releases/{r}" for r in itertools.count(90_100_000)))
        run("inventory brotherlogic, 100 per page", itertools.cycle(brotherlogic))
        run(f"inventory {BIG}, cold (first 100 pages)", iter(big))
        run(f"inventory {BIG}, hot", itertools.cycle(big))
    finally:
        sandbox.stop()
    started = time.perf_counter()
    with SandboxProcess("--limit-auth", "1000000000", "--warm", BIG) as warmed:
        print(f"{'sandbox start-up with --warm ' + BIG:<60} {time.perf_counter() - started:8.3f} s", flush=True)
        measure(warmed.url, f"inventory {BIG}, warmed (first 100 pages)", iter(big), args.seconds, args.concurrency)


if __name__ == "__main__":
    main()
