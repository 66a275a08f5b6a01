"""JSON-RPC 2.0 dispatch over an explicit allowlist of resources: no HTTP, no crawler.

The web service (:mod:`discogs_harvest.extensions.jsonrpc`) speaks the protocol of
scrapy-jsonrpc (https://github.com/scrapy-plugins/scrapy-jsonrpc,
``scrapy_jsonrpc/webservice.py`` and ``jsonrpc.py``): a URL path names a resource
(``/crawler/stats``), ``GET`` reads it, ``POST`` sends a JSON-RPC request whose
``method`` is called on it. scrapy-jsonrpc walks the path and the method name with
``getattr`` on the live Crawler, so ``/crawler/engine/__class__/...`` reaches anything
in the process. Here a path can only reach a :class:`Resource` someone listed, and a
method only a callable its resource lists: lookups are dictionary lookups, and any
name starting with ``_`` is refused before that.

Errors use the JSON-RPC 2.0 codes (https://www.jsonrpc.org/specification, section
5.1). The client never sees a Python traceback: an unexpected exception is logged
here and answered with a bare "Internal error".

The module is pure: :class:`Dispatcher` takes bytes and returns ``(http_status,
payload)``, so every protocol rule is tested without a server (tests/extensions/
test_rpc_protocol.py).
"""

import datetime
import decimal
import hmac
import inspect
import ipaddress
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

logger = logging.getLogger(__name__)

JSONRPC_VERSION = "2.0"

# JSON-RPC 2.0, section 5.1.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# -32000 to -32099 are reserved for implementation-defined server errors.
UNAUTHORIZED = -32001
FORBIDDEN = -32003

MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
    INTERNAL_ERROR: "Internal error",
    UNAUTHORIZED: "Unauthorized",
    FORBIDDEN: "Forbidden",
}

# The header carrying JSONRPC_TOKEN.
TOKEN_HEADER = "X-JSONRPC-Token"

# Host names that always mean this machine.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class RpcError(Exception):
    """Raised by a method (or the dispatcher) to answer with a JSON-RPC error."""

    def __init__(self, code, message=None):
        super().__init__(message or MESSAGES.get(code, "Server error"))
        self.code = code
        self.message = message or MESSAGES.get(code, "Server error")


class InvalidParams(RpcError):
    """A method was called with arguments it cannot use; ``message`` says why."""

    def __init__(self, message):
        super().__init__(INVALID_PARAMS, message)


@dataclass(frozen=True)
class Resource:
    """One node of the service tree.

    ``read`` answers ``GET`` on the node (without it, ``GET`` lists ``children`` and
    ``methods``); ``methods`` are what ``POST`` may call; ``children`` are the only
    path segments below it. Nothing else about the objects behind it is reachable.
    """

    read: Callable[[], Any] | None = None
    methods: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    children: Mapping[str, "Resource"] = field(default_factory=dict)


def error_response(request_id, code, message=None):
    return {
        "jsonrpc": JSONRPC_VERSION,
        "error": {"code": code, "message": message or MESSAGES[code]},
        "id": request_id,
    }


def result_response(request_id, result):
    return {"jsonrpc": JSONRPC_VERSION, "result": result, "id": request_id}


def jsonable(value):
    """``value`` as plain JSON types: stats hold datetimes, tuples, sets, NaN."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)


def encode(payload):
    return json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def split_path(path):
    """``"/crawler//stats/"`` -> ``["crawler", "stats"]``."""
    return [segment for segment in path.split("/") if segment]


def is_loopback_host(host):
    """True when ``host`` (a name or an address) can only be reached from this machine."""
    host = (host or "").strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_access(headers, token, allowed_hosts=None):
    """``None`` when a request with ``headers`` may be served, else ``(http_status, payload)``.

    With a token, the ``X-JSONRPC-Token`` header must match it. Without one the service
    is loopback-only, and two browser tricks are refused: a page on another site posting
    to 127.0.0.1 (it sends ``Origin``) and DNS rebinding (a foreign ``Host`` header).
    ``headers`` is any case-insensitive mapping (aiohttp's ``CIMultiDict``) or a dict.
    """
    get = getattr(headers, "get")
    if token:
        given = get(TOKEN_HEADER) or ""
        if not (given.isascii() and hmac.compare_digest(given.encode(), token.encode())):
            return 401, error_response(None, UNAUTHORIZED, f"Missing or wrong {TOKEN_HEADER} header")
        return None
    if get("Origin"):
        return 403, error_response(None, FORBIDDEN, "Cross-origin requests are refused")
    host = get("Host")
    if host is not None and allowed_hosts is not None:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.strip("[]").lower() not in allowed_hosts and not is_loopback_host(name):
            return 403, error_response(None, FORBIDDEN, "Host header is not this service")
    return None


class Dispatcher:
    """Routes ``GET``/``POST`` on paths of a :class:`Resource` tree; returns ``(status, payload)``.

    ``payload`` is JSON-ready (run through :func:`jsonable`), or ``None`` when a request
    held only notifications and nothing is answered (HTTP 204).
    """

    def __init__(self, root):
        self.root = root

    def resolve(self, path):
        node = self.root
        for segment in split_path(path):
            if segment.startswith("_") or segment not in node.children:
                return None
            node = node.children[segment]
        return node

    # --- GET -----------------------------------------------------------------------

    def get(self, path):
        node = self.resolve(path)
        if node is None:
            return 404, error_response(None, METHOD_NOT_FOUND, "No such resource")
        try:
            if node.read is not None:
                return 200, jsonable(node.read())
            return 200, {"resources": sorted(node.children), "methods": sorted(node.methods)}
        except RpcError as exc:
            return 200, error_response(None, exc.code, exc.message)
        except Exception:
            logger.exception("JSON-RPC GET %s failed", path)
            return 500, error_response(None, INTERNAL_ERROR)

    # --- POST ------------------------------------------------------------------------

    def post(self, path, body):
        try:
            text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
            message = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return 200, error_response(None, PARSE_ERROR)
        node = self.resolve(path)
        if isinstance(message, list):
            if not message:
                return 200, error_response(None, INVALID_REQUEST, "Empty batch")
            answers = [self.call(node, path, one) for one in message]
            answers = [a for a in answers if a is not None]
            return (200, answers) if answers else (204, None)
        answer = self.call(node, path, message)
        return (200, answer) if answer is not None else (204, None)

    def call(self, node, path, request):
        """One JSON-RPC request object -> its response object, or ``None`` for a notification."""
        if not isinstance(request, dict):
            return error_response(None, INVALID_REQUEST)
        request_id = request.get("id")
        if not valid_id(request_id):
            return error_response(None, INVALID_REQUEST, "id must be a string, a number or null")
        if request.get("jsonrpc") != JSONRPC_VERSION or not isinstance(request.get("method"), str):
            return error_response(request_id, INVALID_REQUEST)
        params = request.get("params", [])
        if not isinstance(params, (list, dict)):
            return error_response(request_id, INVALID_REQUEST, "params must be an array or an object")
        notification = "id" not in request
        response = self.invoke(node, path, request["method"], params, request_id)
        return None if notification else response

    def invoke(self, node, path, name, params, request_id):
        if node is None or name.startswith("_") or name not in node.methods:
            return error_response(request_id, METHOD_NOT_FOUND)
        method = node.methods[name]
        args, kwargs = (params, {}) if isinstance(params, list) else ([], params)
        try:
            inspect.signature(method).bind(*args, **kwargs)
        except TypeError as exc:
            return error_response(request_id, INVALID_PARAMS, f"{name}: {exc}")
        try:
            return result_response(request_id, jsonable(method(*args, **kwargs)))
        except RpcError as exc:
            return error_response(request_id, exc.code, exc.message)
        except Exception:
            logger.exception("JSON-RPC %s %s failed", path, name)
            return error_response(request_id, INTERNAL_ERROR)


def valid_id(value):
    """JSON-RPC 2.0 ids are strings, numbers or null (and booleans are not numbers)."""
    return value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool))
