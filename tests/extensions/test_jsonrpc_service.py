"""JsonRpcService configuration and its HTTP layer, served in-process (no crawl).

The full behaviour during a real crawl is in test_jsonrpc_crawl.py; here each HTTP rule
(token, Origin, Host, sizes, verbs) is checked in milliseconds.
"""

import asyncio
import json
import logging
import socket

import aiohttp
import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from discogs_harvest.extensions import rpc_protocol as rpc
from discogs_harvest.extensions.jsonrpc import JsonRpcService, parse_port_range


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, (0, 0)), ("0", (0, 0)), (None, (0, 0)), (6080, (6080, 6080)), ("6080", (6080, 6080)),
     ([6080, 7030], (6080, 7030)), (["6080", "7030"], (6080, 7030)), ("6080,7030", (6080, 7030)),
     ("6080-7030", (6080, 7030)), ("[6080, 7030]", (6080, 7030))],
)
def test_parse_port_range(value, expected):
    assert parse_port_range(value) == expected


@pytest.mark.parametrize("value", ["http", [1, 2, 3], [7030, 6080], 70000, -1])
def test_parse_port_range_refuses(value):
    with pytest.raises(NotConfigured, match="JSONRPC_PORT"):
        parse_port_range(value)


def service(**settings):
    crawler = get_crawler(settings_dict={"JSONRPC_ENABLED": True, "JSONRPC_PORT": 0, **settings})
    crawler._apply_settings()
    crawler.stats.open_spider()
    crawler.stats.set_value("harvest/pages/done", 2)
    return JsonRpcService.from_crawler(crawler)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"JSONRPC_ENABLED": False}, None),
        ({"JSONRPC_HOST": "0.0.0.0"}, "JSONRPC_HOST 0.0.0.0 is not a loopback address: set JSONRPC_TOKEN"),
        ({"JSONRPC_HOST": "192.168.1.2", "JSONRPC_TOKEN": ""}, "not a loopback address"),
        ({"JSONRPC_PORT": "web"}, "JSONRPC_PORT"),
    ],
)
def test_not_configured(settings, reason):
    async def build():
        service(**settings)

    with pytest.raises(NotConfigured, match=reason):
        asyncio.run(build())


def test_any_address_with_a_token_is_allowed():
    async def build():
        return service(JSONRPC_HOST="0.0.0.0", JSONRPC_TOKEN="s3cret")

    assert asyncio.run(build()).host == "0.0.0.0"


def run_with_service(exchange, **settings):
    """Start the service on a free port, run ``exchange(session, url)``, stop it."""

    async def main():
        svc = service(**settings)
        await svc.start()
        try:
            async with aiohttp.ClientSession() as session:
                return await exchange(session, svc.url)
        finally:
            await svc.stop()

    return asyncio.run(main())


CALL = {"jsonrpc": "2.0", "id": 7, "method": "get_value", "params": ["harvest/pages/done"]}


async def answer(response):
    return response.status, json.loads(await response.text())


@pytest.mark.timeout(30)
def test_listing_reading_and_calling(caplog):
    async def exchange(session, url):
        results = []
        for path in ("/", "/crawler", "/crawler/engine", "/crawler/engine/open_spiders"):
            async with session.get(url + path) as response:
                results.append(await answer(response))
        async with session.post(url + "/crawler/stats", json=CALL) as response:
            results.append(await answer(response))
        return results

    with caplog.at_level(logging.INFO, logger="discogs_harvest.extensions.jsonrpc"):
        results = run_with_service(exchange)
    assert results == [
        (200, {"resources": ["crawler", "stats"], "methods": []}),
        (200, {"resources": ["engine", "progress", "spiders", "stats"], "methods": []}),
        (200, {"resources": ["open_spiders", "paused"], "methods": ["close_spider", "pause", "unpause"]}),
        (200, []),
        (200, {"jsonrpc": "2.0", "result": 2, "id": 7}),
    ]
    assert any(m.startswith("JSON-RPC listening on http://127.0.0.1:") for m in caplog.messages)


@pytest.mark.timeout(30)
def test_the_first_free_port_of_the_range_is_used():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        low = taken.getsockname()[1]

        async def exchange(session, url):
            return int(url.rsplit(":", 1)[1])

        port = run_with_service(exchange, JSONRPC_PORT=f"{low}-{low + 20}")
    assert low < port <= low + 20


@pytest.mark.timeout(30)
def test_methods_that_need_a_running_spider_say_so():
    async def exchange(session, url):
        body = {"jsonrpc": "2.0", "id": 1, "method": "pause"}
        async with session.post(url + "/crawler/engine", json=body) as response:
            return await answer(response)

    status, reply = run_with_service(exchange)
    assert (status, reply["error"]) == (200, {"code": rpc.INVALID_PARAMS, "message": "no spider is running"})


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, rpc.UNAUTHORIZED),
        ({rpc.TOKEN_HEADER: "wrong"}, 401, rpc.UNAUTHORIZED),
        ({rpc.TOKEN_HEADER: "s3cret"}, 200, None),
    ],
)
def test_token(headers, status, code):
    async def exchange(session, url):
        async with session.post(url + "/crawler/stats", json=CALL, headers=headers) as response:
            posted = await answer(response)
        async with session.get(url + "/crawler/stats", headers=headers) as response:
            got = await answer(response)
        return posted, got

    posted, got = run_with_service(exchange, JSONRPC_TOKEN="s3cret")
    for reply_status, reply in (posted, got):
        assert reply_status == status
        if code is None:
            assert "error" not in reply
        else:
            assert reply["error"]["code"] == code and reply["id"] is None


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Host": "attacker.example"}, 403),
        ({"Host": "localhost"}, 200),
    ],
)
def test_browser_tricks_are_refused_without_a_token(headers, status):
    async def exchange(session, url):
        async with session.post(url + "/crawler/stats", json=CALL, headers=headers) as response:
            return await answer(response)

    reply_status, reply = run_with_service(exchange)
    assert reply_status == status
    assert ("error" in reply) is (status != 200)


@pytest.mark.timeout(30)
def test_http_edges_leak_nothing():
    async def exchange(session, url):
        results = []
        async with session.post(url + "/crawler/stats", data=b"x" * (128 * 1024)) as response:
            results.append((response.status, await response.text()))
        async with session.put(url + "/crawler/stats", data=b"{}") as response:
            results.append((response.status, await response.text()))
        async with session.post(url + "/crawler/stats", data=b"{oops") as response:
            results.append((response.status, await response.text()))
        async with session.get(url + "/crawler/__class__") as response:
            results.append((response.status, await response.text()))
        return results

    too_large, put, malformed, dunder = run_with_service(exchange)
    assert too_large[0] == 413 and json.loads(too_large[1])["error"]["code"] == rpc.INVALID_REQUEST
    assert put[0] == 405
    assert malformed[0] == 200 and json.loads(malformed[1])["error"]["code"] == rpc.PARSE_ERROR
    assert dunder[0] == 404 and json.loads(dunder[1])["error"]["code"] == rpc.METHOD_NOT_FOUND
    for _, text in (too_large, put, malformed, dunder):
        assert "Traceback" not in text and "File " not in text


@pytest.mark.timeout(30)
def test_access_log_file(tmp_path):
    logfile = tmp_path / "access.log"

    async def exchange(session, url):
        async with session.get(url + "/crawler/stats", headers={rpc.TOKEN_HEADER: "s3cret"}) as response:
            return response.status

    assert run_with_service(exchange, JSONRPC_LOGFILE=str(logfile), JSONRPC_TOKEN="s3cret") == 200
    line = logfile.read_text()
    assert "GET /crawler/stats 200" in line and "s3cret" not in line


@pytest.mark.timeout(30)
def test_a_half_sent_request_is_answered_408_and_closed_after_the_read_deadline():
    async def exchange(session, url):
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        body = json.dumps(CALL).encode()
        writer.write(b"POST /crawler/stats HTTP/1.1\r\nHost: " + f"{host}:{port}".encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
                     b"\r\n\r\n" + body[:10])  # the rest never comes
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)  # read() returns once the service closes
        writer.close()
        return answer

    answer = run_with_service(exchange, JSONRPC_READ_TIMEOUT=0.5)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"Request not complete in time" in answer
