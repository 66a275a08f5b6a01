"""The control service during a real crawl of the sandbox, called with a plain JSON-RPC 2.0 client.

Each crawl is ``scrapy runspider tests/extensions/crawl_spider.py`` in a subprocess (Scrapy's
reactor runs once per process) with the project's extensions, ``JSONRPC_PORT=0``; the test
reads the port from the "JSON-RPC listening on" log line. The spider reads
``synthetic-300-200``: 3 inventory pages listing 200 distinct releases, so 203 requests and
500 items, paced at a few dozen requests a second.
"""

import json
import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from discogs_harvest.extensions import rpc_protocol as rpc
from discogs_harvest.extensions.progress import eta_seconds, requests_left
from discogs_harvest.sandbox.process import SandboxProcess

from tests import forkserver

ROOT = Path(__file__).resolve().parents[2]
SPIDER_FILE = Path(__file__).with_name("crawl_spider.py")
SPIDER = "control_test"
PAGES, RELEASES, ITEMS = 3, 200, 500
REQUESTS = PAGES + RELEASES
LISTENING = re.compile(r"JSON-RPC listening on (http://\S+)")


class Crawl:
    """A ``scrapy runspider`` subprocess whose stderr is read line by line as it comes."""

    def __init__(self, sandbox, database, *args, **settings):
        self.database = database
        merged = {
            "DISCOGS_API_URL": sandbox.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "JSONRPC_ENABLED": "1",
            "JSONRPC_PORT": "0",
            "JSONRPC_TOKEN": "",
            "DOWNLOAD_DELAY": "0.02",  # 4 concurrent, one per 20 ms: about 50 requests/s
            "DISCOGS_RATE_LIMIT": "50",
            "DISCOGS_RATE_PERIOD": "1",
            "PROGRESS_INTERVAL": "0.5",
            "LOG_LEVEL": "INFO",
            **settings,
        }
        self.command = [sys.executable, "-m", "scrapy", "runspider", str(SPIDER_FILE)]
        for arg in args:
            self.command += ["-a", arg]
        for name, value in merged.items():
            self.command += ["-s", f"{name}={value}"]
        self.lines = []
        self.queue = queue.Queue()
        self.process = None
        self.url = None

    def __enter__(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "JSONRPC_"))}
        self.process = forkserver.popen(self.command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        self.url = self.wait_for(LISTENING, timeout=30).group(1)
        return self

    def read(self):
        for line in self.process.stderr:
            self.lines.append(line)
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no log line matching {pattern.pattern!r} in {timeout} s:\n{self.log}")
            if line is None:
                raise AssertionError(f"crawl ended before {pattern.pattern!r}:\n{self.log}")
            match = pattern.search(line)
            if match:
                return match

    def finish(self, timeout=30):
        returncode = self.process.wait(timeout=timeout)
        return returncode

    @property
    def log(self):
        return "".join(self.lines)

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


# --- a plain JSON-RPC 2.0 client (stdlib only) -----------------------------------------


def send(url, path, body=None, headers=None):
    """``(HTTP status, decoded JSON or None)``: GET without a body, POST with one."""
    request = urllib.request.Request(url + path, data=body, headers=headers or {},
                                     method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    assert b"Traceback" not in text
    return status, (json.loads(text) if text else None)


def call(url, path, method, *params, headers=None, request_id=1):
    """A JSON-RPC call; returns the whole response object."""
    body = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": request_id}
    status, answer = send(url, path, json.dumps(body).encode(), headers)
    assert answer["jsonrpc"] == "2.0" and answer["id"] in (request_id, None)
    return answer


def result(url, path, method, *params, headers=None):
    answer = call(url, path, method, *params, headers=headers)
    assert "error" not in answer, answer
    return answer["result"]


def progress(url, headers=None):
    return result(url, "/crawler/progress", "get_progress", headers=headers)


def poll(check, timeout, interval=0.05):
    """``check()`` until it returns something true; a bounded wait on the crawl, not on a port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not reached in {timeout} s")


def run_row(database):
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        rows = [dict(row) for row in connection.execute("SELECT * FROM harvest_runs ORDER BY id")]
    assert len(rows) <= 1
    return rows[0] if rows else None


def api_requests(sandbox):
    return [r for r in sandbox.log() if not r["path"].startswith("/_sandbox")]


# --- one crawl that stays open when done, shared by the tests down to close_spider ----------


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """A crawl that does all its work and then idles until close_spider (the last test)."""
    database = tmp_path_factory.mktemp("held") / "runs.db"
    with SandboxProcess("--window", "1", "--limit-auth", "200") as sandbox:
        with Crawl(sandbox, database, "linger=1") as crawl:
            yield crawl


@pytest.mark.timeout(60)
def test_progress_rises_to_the_final_counts_and_the_eta_falls(held):
    snapshots = []

    def done():
        snapshots.append(progress(held.url))
        return snapshots[-1]["releases_done"] == RELEASES

    poll(done, timeout=40)
    final = snapshots[-1]
    assert (final["pages_done"], final["pages_total"], final["releases_done"], final["releases_to_fetch"],
            final["items_stored"], final["requests"]) == (PAGES, PAGES, RELEASES, RELEASES, ITEMS, REQUESTS)
    assert (final["eta_seconds"], final["percent"], final["spider"], final["paused"]) == (0.0, 100.0, SPIDER, False)
    assert (final["budget_limit"], final["budget_period"]) == (50.0, 1.0)
    for figure in ("pages_done", "releases_done", "items_stored", "requests"):
        series = [s[figure] for s in snapshots]
        assert series == sorted(series), figure
    # Watched while it moved, not only at the end.
    assert len({s["releases_done"] for s in snapshots}) >= 5
    # Once every page is read, the work left only falls, and each ETA is that work over the
    # slower of the budget's rate and the rate observed so far (the arithmetic of eta_seconds,
    # recomputed from the snapshot's own figures). Checked this way, not as "the ETA never
    # rises": on a loaded machine the observed rate dips and an honest ETA rises with it.
    read = [s for s in snapshots if s["pages_done"] == PAGES and s["eta_seconds"] is not None]
    left = [requests_left(s["pages_done"], s["pages_total"], s["releases_done"], s["releases_to_fetch"])
            for s in read]
    assert left == sorted(left, reverse=True) and left[0] > left[len(left) // 2] > left[-1] == 0, left
    for snapshot in read:
        expected = eta_seconds(snapshot["pages_done"], snapshot["pages_total"], snapshot["releases_done"],
                               snapshot["releases_to_fetch"], snapshot["budget_limit"], snapshot["budget_period"],
                               snapshot["elapsed_seconds"], snapshot["requests"])
        assert snapshot["eta_seconds"] == pytest.approx(expected, abs=0.06), snapshot
    assert read[0]["eta_seconds"] > 1.0 and read[-1]["eta_seconds"] == 0.0


@pytest.mark.timeout(30)
def test_the_log_line_and_the_run_row_follow_the_crawl(held):
    poll(lambda: "Progress: pages 3/3, releases 200/200 (0 failed), 500 items stored, 203 requests" in held.log,
         timeout=10)
    assert "budget 50/1s" in held.log
    row = poll(lambda: (r := run_row(held.database)) and r["releases_done"] == RELEASES and r, timeout=10)
    assert (row["spider"], row["pages_done"], row["pages_total"], row["releases_to_fetch"], row["requests"],
            row["items"], row["eta_seconds"], row["finished_at"]) == (
        SPIDER, PAGES, PAGES, RELEASES, REQUESTS, ITEMS, 0.0, None)
    assert json.loads(row["arguments"]) == {"linger": "1", "seller": "synthetic-300-200", "token": "***"}


@pytest.mark.timeout(30)
def test_the_example_clients_calls(held):
    status, listing = send(held.url, "/")
    assert (status, listing["resources"]) == (200, ["crawler", "stats"])
    stats = result(held.url, "/crawler/stats", "get_stats")
    assert (stats["harvest/pages/done"], stats["harvest/releases/done"], stats["item_scraped_count"]) == (
        PAGES, RELEASES, ITEMS)
    assert re.match(r"\d{4}-\d\d-\d\dT", stats["start_time"])
    for name in (SPIDER, f"spider:7f00aa:{SPIDER}"):
        assert result(held.url, "/crawler/stats", "get_stats", name)["harvest/pages/total"] == PAGES
    assert result(held.url, "/stats", "get_stats")["harvest/pages/total"] == PAGES
    assert result(held.url, "/crawler/stats", "get_value", "harvest/releases/to_fetch") == RELEASES
    assert send(held.url, "/crawler/engine/open_spiders") == (200, [SPIDER])
    assert send(held.url, "/crawler/engine/paused") == (200, False)
    assert SPIDER in result(held.url, "/crawler/spiders", "list")
    assert send(held.url, "/crawler/progress")[1]["releases_done"] == RELEASES


def steady_state(url):
    stats = result(url, "/crawler/stats", "get_stats")
    return ({k: v for k, v in stats.items() if k.startswith(("harvest/", "downloader/", "item_"))},
            send(url, "/crawler/engine/open_spiders")[1], send(url, "/crawler/engine/paused")[1])


BAD_CALLS = [
    # (path, raw body, expected code)
    ("/crawler/__class__", {"method": "get_stats"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/engine/_slot", {"method": "close"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/engine/__init__/__globals__", {"method": "get"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/stats", {"method": "_private"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/stats", {"method": "__class__"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/stats", {"method": "set_value", "params": ["harvest/pages/done", 0]}, rpc.METHOD_NOT_FOUND),
    ("/crawler/stats", {"method": "clear_stats"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/stats", {"method": "close_spider", "params": [SPIDER]}, rpc.METHOD_NOT_FOUND),
    ("/crawler/engine", {"method": "stop"}, rpc.METHOD_NOT_FOUND),
    ("/crawler", {"method": "stop"}, rpc.METHOD_NOT_FOUND),
    ("/crawler/engine", {"method": "close_spider"}, rpc.INVALID_PARAMS),
    ("/crawler/engine", {"method": "close_spider", "params": ["another_spider"]}, rpc.INVALID_PARAMS),
    ("/crawler/engine", {"method": "close_spider", "params": {"spider": 1}}, rpc.INVALID_PARAMS),
    ("/crawler/engine", {"method": "close_spider", "params": [SPIDER, "bad reason; rm -rf"]}, rpc.INVALID_PARAMS),
    # Reasons that would record a partial run as finished or failed are not interruptions.
    ("/crawler/engine", {"method": "close_spider", "params": [SPIDER, "finished"]}, rpc.INVALID_PARAMS),
    ("/crawler/engine", {"method": "close_spider", "params": [SPIDER, "seller_not_found"]}, rpc.INVALID_PARAMS),
    ("/crawler/engine", {"method": "pause", "params": ["now"]}, rpc.INVALID_PARAMS),
    ("/crawler/stats", {"method": "get_stats", "params": ["another_spider"]}, rpc.INVALID_PARAMS),
    ("/crawler/engine", b"{\"jsonrpc\": \"2.0\", \"method\": \"pause\"", rpc.PARSE_ERROR),
    ("/crawler/engine", b"pause", rpc.PARSE_ERROR),
    ("/crawler/engine", b"{\"method\": \"pause\", \"id\": 1}", rpc.INVALID_REQUEST),
    ("/crawler/engine", b"[]", rpc.INVALID_REQUEST),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("path", "body", "code"), BAD_CALLS, ids=[f"{p} {b!s:.40}" for p, b, _ in BAD_CALLS])
def test_bad_calls_get_their_error_and_change_nothing(held, path, body, code):
    before = steady_state(held.url)
    if isinstance(body, dict):
        body = json.dumps({"jsonrpc": "2.0", "id": 9, **body}).encode()
    status, answer = send(held.url, path, body)
    assert status == 200
    assert answer["error"]["code"] == code
    assert set(answer["error"]) == {"code", "message"}
    assert steady_state(held.url) == before
    assert held.process.poll() is None


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", ["/crawler/__class__", "/crawler/engine/__dict__", "/crawler/_private",
                                  "/crawler/stats/_stats"])
def test_reads_outside_the_allowlist_are_not_found(held, path):
    status, answer = send(held.url, path)
    assert (status, answer["error"]["code"]) == (404, rpc.METHOD_NOT_FOUND)


@pytest.mark.timeout(30)
def test_a_web_page_cannot_pause_the_harvest(held):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "pause"}).encode()
    status, answer = send(held.url, "/crawler/engine", body, {"Origin": "https://evil.example",
                                                               "Content-Type": "text/plain"})
    assert (status, answer["error"]["code"]) == (403, rpc.FORBIDDEN)
    assert send(held.url, "/crawler/engine/paused") == (200, False)


@pytest.mark.timeout(60)
def test_close_spider_stops_the_crawl_and_records_why(held):
    assert result(held.url, "/crawler/engine", "close_spider", SPIDER) == {
        "spider": SPIDER, "closing": True, "reason": "closed_by_jsonrpc"}
    assert held.finish(timeout=30) == 0
    assert "Spider closed (closed_by_jsonrpc)" in held.log
    assert "Progress at close (closed_by_jsonrpc): pages 3/3, releases 200/200" in held.log
    row = run_row(held.database)
    assert (row["finish_reason"], row["requests"], row["items"], row["pages_done"], row["releases_done"]) == (
        "closed_by_jsonrpc", REQUESTS, ITEMS, PAGES, RELEASES)
    assert row["finished_at"] >= row["started_at"]
    assert "sandbox-token" not in json.dumps(row)


# --- pause / unpause -----------------------------------------------------------------


@pytest.mark.timeout(90)
def test_pause_holds_requests_and_unpause_resumes(sandbox, tmp_path):
    sandbox.configure(window=1, limit_auth=200)
    # The engine's heartbeat is an hour here: only the unpause's own wake-up can resume the crawl.
    with Crawl(sandbox, tmp_path / "runs.db", DOWNLOAD_DELAY="0.03", CONTROL_TEST_HEARTBEAT="3600") as crawl:
        poll(lambda: progress(crawl.url)["requests"] >= 30, timeout=30)
        assert result(crawl.url, "/crawler/engine", "pause") == {"paused": True}
        assert send(crawl.url, "/crawler/engine/paused") == (200, True)
        # Requests already in the downloader finish; then nothing leaves.
        held_at = poll(lambda: (p := progress(crawl.url))["in_flight"] == 0 and p, timeout=10)
        sent = len(api_requests(sandbox))
        assert held_at["paused"] and sent == held_at["requests"] < REQUESTS
        time.sleep(1.0)  # 30 request slots at this pace: none may be used
        assert len(api_requests(sandbox)) == sent
        assert progress(crawl.url)["requests"] == held_at["requests"]
        assert crawl.process.poll() is None  # paused is not idle: the spider stays open

        assert result(crawl.url, "/crawler/engine", "unpause") == {"paused": False}
        # Woken by the unpause, not at the engine's next heartbeat (an hour away in this crawl).
        poll(lambda: len(api_requests(sandbox)) > sent, timeout=30)
        assert crawl.finish(timeout=60) == 0
    row = run_row(tmp_path / "runs.db")
    assert (row["finish_reason"], row["requests"], row["releases_done"], row["items"]) == (
        "finished", REQUESTS, RELEASES, ITEMS)
    assert len(api_requests(sandbox)) == REQUESTS


# --- the shared secret ---------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_token_is_required_when_set(sandbox, tmp_path):
    sandbox.configure(window=1, limit_auth=200)
    token = {rpc.TOKEN_HEADER: "s3cret-for-test"}
    with Crawl(sandbox, tmp_path / "runs.db", "linger=1", JSONRPC_TOKEN="s3cret-for-test") as crawl:
        for headers in ({}, {rpc.TOKEN_HEADER: "wrong"}, {rpc.TOKEN_HEADER: ""}):
            for path, body in (("/crawler/engine", b'{"jsonrpc": "2.0", "id": 1, "method": "pause"}'),
                               ("/crawler/engine", b'{"jsonrpc": "2.0", "id": 1, "method": "close_spider",'
                                                   b' "params": ["control_test"]}'),
                               ("/crawler/stats", None), ("/", None)):
                status, answer = send(crawl.url, path, body, headers)
                assert (status, answer["error"]["code"], answer["id"]) == (401, rpc.UNAUTHORIZED, None)
        assert send(crawl.url, "/crawler/engine/paused", headers=token) == (200, False)
        assert progress(crawl.url, headers=token)["spider"] == SPIDER
        assert crawl.process.poll() is None
        result(crawl.url, "/crawler/engine", "close_spider", SPIDER, "stopped_by_test", headers=token)
        assert crawl.finish(timeout=30) == 0
        assert "s3cret-for-test" not in crawl.log
    row = run_row(tmp_path / "runs.db")
    assert row["finish_reason"] == "stopped_by_test"
    assert "s3cret-for-test" not in json.dumps(row)
