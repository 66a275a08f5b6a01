"""The token never leaves the Authorization header: not in logs, stats, feeds, the database, the
JSON-RPC answers or an error message.

One harvest runs with everything that could show it switched on: the token on the command line
(``-s DISCOGS_TOKEN=...``, the setting Scrapy's "Overridden settings" line would print), DEBUG
logging, a feed, and the JSON-RPC service, which is asked for every resource while requests are
being made. The harvest has no other credentials and the sandbox logs every request it made as
authenticated, so the token was really sent.
Then refused credentials and an unreachable API are made to fail with the token set, and their
error lines and logs are searched too.

The same harvest is run as a shop owner with OAuth 1.0a (consumer key and secret, access token and
secret, every request signed) and a ``JSONRPC_TOKEN`` guarding the control service (every call
carries it): none of those five values may show anywhere either.
"""

import functools
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.crawling import ROOT, api_requests, crawl

pytestmark = pytest.mark.timeout(60)

# Distinctive enough that any trace of it is a leak. SECRET, the token's distinctive part, is what
# is searched for.
SECRET = "Q7vX2kLm9Wp4Rz"
TOKEN = f"dh-tok-{SECRET}"
REFUSED_SECRET = "Zr8Ty3Nq6Hc1Vb"
REFUSED = f"dh-tok-{REFUSED_SECRET}"
SELLER = "synthetic-400-200"
LISTENING = re.compile(r"JSON-RPC listening on (http://\S+)")


@pytest.fixture(scope="module")
def token_sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "100", "--limit-anon", "100",
                        "--token", f"{TOKEN}=someuser") as sandbox:
        yield sandbox


def database_text(database):
    """Every table of the database as SQL text."""
    with sqlite3.connect(database) as connection:
        return "\n".join(connection.iterdump())


def _call(base, path, method=None, params=None, rpc_token=None):
    """One JSON-RPC call (POST) or, without ``method``, a GET; the answer as text, whatever its status."""
    data = None
    if method is not None:
        data = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    headers = {"Content-Type": "application/json", **({"X-JSONRPC-Token": rpc_token} if rpc_token else {})}
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


class StderrReader(threading.Thread):
    """Drains a child's stderr (so it never blocks on a full pipe) and spots the JSON-RPC address."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines, self.address = stream, [], None
        self.found = threading.Event()

    def run(self):
        for line in self.stream:
            self.lines.append(line)
            match = LISTENING.search(line)
            if match and self.address is None:
                self.address = match.group(1)
                self.found.set()
        self.found.set()  # the stream ended: stop anyone waiting


def ask_everything(base, rpc_token=None):
    """Every resource of the control service, once a good part of the harvest has been requested."""
    call = functools.partial(_call, rpc_token=rpc_token)
    deadline = time.monotonic() + 20
    while json.loads(call(base, "/crawler/progress", "get_progress"))["result"]["requests"] < 40:
        assert time.monotonic() < deadline, "the harvest made no progress"
        time.sleep(0.05)
    answers = [_call(base, "/crawler/progress", "get_progress")] if rpc_token else []  # refused: no token
    answers += [call(base, "/crawler/engine", "pause")]
    answers += [
        call(base, "/"),
        call(base, "/crawler/progress", "get_progress"),
        call(base, "/crawler/progress"),
        call(base, "/crawler/stats", "get_stats"),
        call(base, "/crawler/stats", "get_stats", ["seller_inventory"]),
        call(base, "/stats"),
        call(base, "/crawler/stats", "get_value", ["downloader/request_count"]),
        call(base, "/crawler/stats", "get_value", ["no/such/key", "none"]),
        call(base, "/crawler/engine/open_spiders"),
        call(base, "/crawler/engine/paused"),
        call(base, "/crawler/spiders", "list"),
        call(base, "/crawler/engine", "no_such_method"),
        call(base, "/crawler/settings", "get", ["DISCOGS_TOKEN"]),
        call(base, "/crawler/engine", "close_spider", ["no-such-spider"]),
    ]
    answers.append(call(base, "/crawler/engine", "unpause"))
    return answers


def harvest_with_everything_on(sandbox, tmp_path, credentials, seller=SELLER, rpc_token=None):
    """A DEBUG harvest with a feed, ``credentials`` as ``-s`` settings and the control service asked
    everything mid-run: ``(returncode, {place: text}, answers, requests spent)``."""
    database, feed = tmp_path / "discogs.db", tmp_path / "listings.json"
    settings = {
        "DISCOGS_API_URL": sandbox.url,
        "DATABASE_URL": f"sqlite:///{database}",
        **credentials,
        "DISCOGS_RATE_PERIOD": "1",
        "DISCOGS_RATE_LIMIT": "60",  # about 3.5 s of requests: time to ask the control service
        "LOG_LEVEL": "DEBUG",
        "JSONRPC_ENABLED": "1",
        "JSONRPC_PORT": "0",
        "PROGRESS_INTERVAL": "0.5",
        **({"JSONRPC_TOKEN": rpc_token} if rpc_token else {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "seller_inventory", "-a", f"seller={seller}",
               "-O", str(feed)]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "JSONRPC_"))}
    since = len(sandbox.log())

    child = forkserver.popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader = StderrReader(child.stderr)
    reader.start()
    try:
        assert reader.found.wait(30) and reader.address, "".join(reader.lines)[-3000:]
        answers = ask_everything(reader.address, rpc_token)
        stdout = child.stdout.read()
        returncode = child.wait(timeout=40)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reader.join(timeout=10)
    stderr = "".join(reader.lines)

    assert returncode == 0, stderr[-3000:]
    # Each place looked in really holds what it should, so finding no secret there means something.
    assert "Overridden settings" in stderr and "] DEBUG: Crawled (200)" in stderr
    assert "'harvest/storage/items_stored'" in stderr  # the stats dump
    assert len(json.loads(feed.read_text())) == 400
    assert '"downloader/request_count"' in "".join(answers) and '"requests"' in "".join(answers)
    places = {
        "stderr (log, stats dump)": stderr,
        "stdout": stdout,
        "feed": feed.read_text(),
        "database": database_text(database),
        "JSON-RPC answers": "\n".join(answers),
    }
    assert "INSERT INTO \"harvest_runs\"" in places["database"]
    return places, answers, api_requests(sandbox, since)


def test_token_appears_nowhere_in_a_harvest(token_sandbox, tmp_path):
    places, _, spent = harvest_with_everything_on(token_sandbox, tmp_path, {"DISCOGS_TOKEN": TOKEN})
    # The harvest did use the token: the sandbox takes no other credentials this run was given.
    assert len(spent) >= 200 and {r["auth"] for r in spent} == {"token"}
    leaks = [place for place, text in places.items() if SECRET in text]
    assert leaks == []


# OAuth 1.0a as the shop's owner, and the control service's token: each distinctive.
CONSUMER_KEY, CONSUMER_SECRET = "dh-ck-Vb2Nq7Lx", "dh-cs-Tf5Kp9Wm3Rs"
OAUTH_TOKEN, OAUTH_TOKEN_SECRET = "dh-ot-Gh6Zc1Qd", "dh-os-Ny4Jb8Xe2Lu"
RPC_TOKEN = "dh-rpc-Pq3Mw7Ka9Tz"
SHOP = "shop-400-200"  # the owner sees all 400 listings, every status: the feed holds 400


@pytest.fixture(scope="module")
def oauth_sandbox():
    with SandboxProcess("--window", "1", "--limit-auth", "100", "--limit-anon", "100",
                        "--consumer", f"{CONSUMER_KEY}:{CONSUMER_SECRET}",
                        "--oauth-token", f"{OAUTH_TOKEN}:{OAUTH_TOKEN_SECRET}={SHOP}") as sandbox:
        yield sandbox


def test_oauth_secrets_and_the_jsonrpc_token_appear_nowhere(oauth_sandbox, tmp_path):
    credentials = {"DISCOGS_CONSUMER_KEY": CONSUMER_KEY, "DISCOGS_CONSUMER_SECRET": CONSUMER_SECRET,
                   "DISCOGS_OAUTH_TOKEN": OAUTH_TOKEN, "DISCOGS_OAUTH_TOKEN_SECRET": OAUTH_TOKEN_SECRET}
    places, answers, spent = harvest_with_everything_on(oauth_sandbox, tmp_path, credentials, SHOP, RPC_TOKEN)
    # Every request was signed with these credentials and verified by the sandbox, as the owner.
    assert len(spent) >= 200 and {(r["auth"], r["signed"]) for r in spent} == {("oauth", "HMAC-SHA1")}
    assert '"code": -32001' in answers[0]  # the call without the token was refused
    secrets = (CONSUMER_KEY, CONSUMER_SECRET, OAUTH_TOKEN, OAUTH_TOKEN_SECRET, RPC_TOKEN)
    leaks = [(place, secret) for place, text in places.items() for secret in secrets if secret in text]
    assert leaks == []


def test_refused_token_is_not_repeated(token_sandbox, tmp_path):
    """The failure message and the log of a refused token name the setting, never its value."""
    database = tmp_path / "discogs.db"

    result = crawl("seller_inventory", token_sandbox, database, f"seller={SELLER}", token=REFUSED,
                   settings={"LOG_LEVEL": "DEBUG"})

    assert result.returncode == 4
    assert len(result.error_lines) == 1 and "DISCOGS_TOKEN" in result.error_lines[0]
    for place, text in {"stderr": result.stderr, "stdout": result.stdout,
                        "database": database_text(database)}.items():
        assert REFUSED_SECRET not in text, place


def test_unreachable_api_errors_do_not_show_the_token(tmp_path):
    """Transport failures (the exception messages Twisted writes) carry no request headers."""
    database = tmp_path / "discogs.db"
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: every connection is refused
        unreachable = SimpleNamespace(url=f"http://127.0.0.1:{closed.getsockname()[1]}")

        result = crawl("seller_inventory", unreachable, database, f"seller={SELLER}", token=TOKEN,
                       settings={"LOG_LEVEL": "DEBUG", "DISCOGS_RETRY_TIMES": "1", "DISCOGS_RETRY_BACKOFF_BASE": "0.1"})

    assert "Connection was refused" in result.stderr  # the exception message is in the log
    for place, text in {"stderr": result.stderr, "stdout": result.stdout,
                        "database": database_text(database)}.items():
        assert SECRET not in text, place
