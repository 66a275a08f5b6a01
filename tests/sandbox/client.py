"""A tiny HTTP client for the sandbox tests: http.client, so nothing is added
behind our back (urllib would send its own User-Agent)."""

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

TOKEN = "sandbox-token"
UA = "discogs-harvest-tests/1.0 +https://example.invalid"
RATE_HEADERS = ("X-Discogs-Ratelimit", "X-Discogs-Ratelimit-Used", "X-Discogs-Ratelimit-Remaining")


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    def rate(self) -> tuple[int, int, int]:
        return tuple(int(self.headers[name]) for name in RATE_HEADERS)


def get(sandbox, path: str, token: str | None = TOKEN, ua: str | None = UA, headers=None) -> Reply:
    """GET ``path`` (or an absolute URL on the sandbox) with a token unless ``token=None``."""
    url = urlsplit(path if path.startswith("http") else sandbox.url + path)
    sent = dict(headers or {})
    if ua:
        sent["User-Agent"] = ua
    if token:
        sent["Authorization"] = f"Discogs token={token}"
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("GET", url.path + (f"?{url.query}" if url.query else ""), headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def wait_for(predicate, timeout: float, interval: float = 0.05):
    """Poll ``predicate()`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
