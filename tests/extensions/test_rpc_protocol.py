"""The JSON-RPC 2.0 rules and the allowlist, without HTTP or a crawler."""

import datetime
import json

import pytest

from discogs_harvest.extensions import rpc_protocol as rpc


class Target:
    """Stands for the crawler: a secret, and state the allowed calls may change."""

    secret = "do not leak"

    def __init__(self):
        self.calls = []

    def echo(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return {"args": list(args), "kwargs": kwargs}

    def two(self, first, second=None):
        return [first, second]

    def boom(self):
        raise RuntimeError("internal detail at /secret/path.py")

    def refuse(self, value):
        raise rpc.InvalidParams(f"bad value {value!r}")


@pytest.fixture
def target():
    return Target()


@pytest.fixture
def dispatcher(target):
    node = rpc.Resource(
        methods={"echo": target.echo, "two": target.two, "boom": target.boom, "refuse": target.refuse},
        children={"leaf": rpc.Resource(read=lambda: {"when": datetime.datetime(2024, 1, 2, 3, 4, 5)})},
    )
    return rpc.Dispatcher(rpc.Resource(children={"crawler": rpc.Resource(children={"thing": node})}))


def post(dispatcher, path, payload):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return dispatcher.post(path, body.encode() if isinstance(body, str) else body)


def request(method, *params, id=1, **named):
    message = {"jsonrpc": "2.0", "method": method, "id": id}
    if params or named:
        message["params"] = list(params) or named
    return message


def test_positional_and_named_params_reach_the_method(dispatcher, target):
    assert post(dispatcher, "/crawler/thing", request("echo", 1, "a")) == (
        200, {"jsonrpc": "2.0", "result": {"args": [1, "a"], "kwargs": {}}, "id": 1})
    status, answer = post(dispatcher, "crawler/thing/", request("two", first="x", id="abc"))
    assert (status, answer["result"], answer["id"]) == (200, ["x", None], "abc")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", rpc.PARSE_ERROR),
        (b"\xff\xfe", rpc.PARSE_ERROR),
        (b'{"jsonrpc": "2.0", "method": "echo", "params": [NaN], "id": 1}', rpc.PARSE_ERROR),
        (b"[" * 100_000, rpc.PARSE_ERROR),
        (b"[]", rpc.INVALID_REQUEST),
        (b'"echo"', rpc.INVALID_REQUEST),
        (b'{"method": "echo", "id": 1}', rpc.INVALID_REQUEST),  # no "jsonrpc": "2.0"
        (b'{"jsonrpc": "1.0", "method": "echo", "id": 1}', rpc.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": 5, "id": 1}', rpc.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": "echo", "params": "x", "id": 1}', rpc.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": "echo", "id": true}', rpc.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": "echo", "id": [1]}', rpc.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": "nope", "id": 1}', rpc.METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "method": "secret", "id": 1}', rpc.METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "method": "__init__", "id": 1}', rpc.METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "method": "_private", "id": 1}', rpc.METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "method": "__class__", "id": 1}', rpc.METHOD_NOT_FOUND),
        (b'{"jsonrpc": "2.0", "method": "two", "id": 1}', rpc.INVALID_PARAMS),
        (b'{"jsonrpc": "2.0", "method": "two", "params": [1, 2, 3], "id": 1}', rpc.INVALID_PARAMS),
        (b'{"jsonrpc": "2.0", "method": "two", "params": {"third": 1}, "id": 1}', rpc.INVALID_PARAMS),
        (b'{"jsonrpc": "2.0", "method": "refuse", "params": [7], "id": 1}', rpc.INVALID_PARAMS),
        (b'{"jsonrpc": "2.0", "method": "boom", "id": 1}', rpc.INTERNAL_ERROR),
    ],
)
def test_bad_requests_get_their_error_code_and_nothing_runs(dispatcher, target, body, code):
    status, answer = post(dispatcher, "/crawler/thing", body)
    assert status == 200
    assert answer["jsonrpc"] == "2.0"
    assert answer["error"]["code"] == code
    assert set(answer["error"]) == {"code", "message"}  # no "data": no traceback
    assert "Traceback" not in json.dumps(answer) and "secret" not in json.dumps(answer)
    assert target.calls == []


@pytest.mark.parametrize(
    "path",
    ["/crawler/thing/__class__", "/crawler/__class__", "/crawler/_private", "/crawler/thing/secret",
     "/crawler/thing/echo", "/nothing", "/crawler/thing/leaf/x", "/crawler/thing/%2e%2e"],
)
def test_paths_outside_the_allowlist_are_not_found(dispatcher, target, path):
    status, answer = post(dispatcher, path, request("echo"))
    assert (status, answer["error"]["code"], answer["id"]) == (200, rpc.METHOD_NOT_FOUND, 1)
    status, answer = dispatcher.get(path)
    assert (status, answer["error"]["code"]) == (404, rpc.METHOD_NOT_FOUND)
    assert target.calls == []


def test_get_lists_a_node_or_reads_it(dispatcher):
    assert dispatcher.get("/") == (200, {"resources": ["crawler"], "methods": []})
    assert dispatcher.get("/crawler/thing") == (
        200, {"resources": ["leaf"], "methods": ["boom", "echo", "refuse", "two"]})
    assert dispatcher.get("/crawler/thing/leaf") == (200, {"when": "2024-01-02T03:04:05"})


def test_a_failing_read_is_a_bare_internal_error(caplog):
    def broken():
        raise KeyError("/home/user/secret")

    dispatcher = rpc.Dispatcher(rpc.Resource(children={"x": rpc.Resource(read=broken)}))
    status, answer = dispatcher.get("/x")
    assert (status, answer["error"]) == (500, {"code": rpc.INTERNAL_ERROR, "message": "Internal error"})
    assert "Traceback" in caplog.text  # the operator gets it, the client does not


def test_batches_answer_each_request_and_skip_notifications(dispatcher, target):
    batch = [request("echo", 1, id=1), {"jsonrpc": "2.0", "method": "echo", "params": [2]},
             request("nope", id=3), 5]
    status, answers = post(dispatcher, "/crawler/thing", batch)
    assert status == 200
    assert [a.get("result", a.get("error", {}).get("code")) for a in answers] == [
        {"args": [1], "kwargs": {}}, rpc.METHOD_NOT_FOUND, rpc.INVALID_REQUEST]
    assert [a["id"] for a in answers] == [1, 3, None]
    assert len(target.calls) == 2  # the notification ran too


def test_a_notification_runs_and_gets_no_answer(dispatcher, target):
    assert post(dispatcher, "/crawler/thing", {"jsonrpc": "2.0", "method": "echo"}) == (204, None)
    assert target.calls == [((), {})]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"t": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)}, {"t": "2024-01-01T00:00:00+00:00"}),
        ({1: (1, 2)}, {"1": [1, 2]}),
        ({"s": {"b", "a"}}, {"s": ["a", "b"]}),
        ([float("nan"), float("inf"), 1.5], [None, None, 1.5]),
        (datetime.timedelta(seconds=90), 90.0),
        (object, str(object)),
    ],
)
def test_results_become_plain_json(value, expected):
    assert rpc.jsonable(value) == expected
    json.dumps(rpc.jsonable(value), allow_nan=False)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("", False), ("192.168.1.10", False), ("::", False), ("example.com", False)],
)
def test_is_loopback_host(host, loopback):
    assert rpc.is_loopback_host(host) is loopback


ALLOWED = {"127.0.0.1", *rpc.LOOPBACK_NAMES}


@pytest.mark.parametrize(
    ("headers", "token", "status", "code"),
    [
        ({"Host": "127.0.0.1:6080"}, "", None, None),
        ({"Host": "localhost:6080"}, "", None, None),
        ({"Host": "[::1]:6080"}, "", None, None),
        ({}, "", None, None),
        ({"Host": "127.0.0.1:6080", "Origin": "https://evil.example"}, "", 403, rpc.FORBIDDEN),
        ({"Host": "rebound.evil.example:6080"}, "", 403, rpc.FORBIDDEN),
        ({"Host": "127.0.0.1:6080"}, "s3cret", 401, rpc.UNAUTHORIZED),
        ({"Host": "127.0.0.1:6080", rpc.TOKEN_HEADER: "wrong"}, "s3cret", 401, rpc.UNAUTHORIZED),
        ({"Host": "127.0.0.1:6080", rpc.TOKEN_HEADER: "s3cret\u00e9"}, "s3cret", 401, rpc.UNAUTHORIZED),
        ({"Host": "127.0.0.1:6080", rpc.TOKEN_HEADER: "s3cret"}, "s3cret", None, None),
        ({"Host": "10.0.0.5:6080", rpc.TOKEN_HEADER: "s3cret"}, "s3cret", None, None),
    ],
)
def test_check_access(headers, token, status, code):
    denied = rpc.check_access(headers, token, ALLOWED)
    if status is None:
        assert denied is None
    else:
        assert (denied[0], denied[1]["error"]["code"], denied[1]["id"]) == (status, code, None)
