"""Fault injection: the ways api.discogs.com (and Cloudflare in front of it) fail.

A :class:`FaultPlan` is set per run (``--faults JSON`` or ``POST /_sandbox/faults``;
a new plan replaces the old one, every field defaulting to off):

- ``error_rate`` of answers are one of ``error_codes`` (500/502/503) with a JSON body;
- ``slow_rate`` of answers wait ``slow_seconds`` first;
- ``truncate_rate`` send a Content-Length larger than the bytes written, then close;
- ``nonjson_rate`` are 200 with an HTML body;
- ``drop_rate`` close the connection without any response;
- ``cloudflare_rate`` are Cloudflare's 403 HTML challenge page (API_FACTS.md §2);
- ``storm_seconds``: every request is refused with 429 for that long from now,
  with ``Retry-After: storm_retry_after`` when that is not null;
- ``rewrite_rate`` are 200 answers that are *wrong rather than broken*: the route's real
  answer rewritten as ``rewrite`` says (see :data:`REWRITES`): a body of the wrong shape,
  invalid JSON under a JSON content type, a short, empty or early-ending inventory page
  whose pagination still promises more, or secrets echoed back.

``path_regex`` restricts all of it to matching paths, ``query_regex`` to matching query
strings (``page=3\\b``), and ``max_faults`` to that many faults in all (then the plan is
spent). Which request gets which fault is drawn from ``random.Random(seed)``, one draw per
request, so the same request sequence meets the same faults.
"""

import asyncio
import json
import random
import re
import time
from dataclasses import asdict, dataclass, field, fields

from aiohttp import web

# Order of the slices of [0, 1) a draw falls into; the first matching wins.
KINDS = ("drop", "truncate", "nonjson", "cloudflare", "error", "slow", "rewrite")

ERROR_MESSAGES = {
    500: "An internal server error occurred.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable.",
}

CLOUDFLARE_PAGE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">api.discogs.com</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<div id="challenge-body-text" class="core-msg spacer">api.discogs.com needs to review the security of your
connection before proceeding.</div></div></div>
<div class="footer" role="contentinfo"><div class="footer-inner">Performance &amp; security by Cloudflare</div></div>
</body></html>
"""

MAINTENANCE_PAGE = b"""<!DOCTYPE html><html><head><title>Discogs</title></head>
<body><h1>We'll be right back</h1><p>Discogs is down for maintenance.</p></body></html>
"""


@dataclass
class FaultPlan:
    error_rate: float = 0.0
    error_codes: list = field(default_factory=lambda: [500, 502, 503])
    slow_rate: float = 0.0
    slow_seconds: float = 1.0
    truncate_rate: float = 0.0
    nonjson_rate: float = 0.0
    drop_rate: float = 0.0
    cloudflare_rate: float = 0.0
    storm_seconds: float = 0.0
    storm_retry_after: float | None = None
    rewrite_rate: float = 0.0
    rewrite: str = "empty_object"
    path_regex: str | None = None
    query_regex: str | None = None
    max_faults: int | None = None
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> "FaultPlan":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        plan = cls(**data)
        if sum(getattr(plan, f"{kind}_rate") for kind in KINDS) > 1:
            raise ValueError("fault rates add up to more than 1")
        if not plan.error_codes:
            raise ValueError("error_codes must not be empty")
        if plan.rewrite not in REWRITES:
            raise ValueError(f"rewrite must be one of {sorted(REWRITES)}")
        return plan


class FaultInjector:
    def __init__(self, plan: FaultPlan | None = None, clock=time.monotonic):
        self._clock = clock
        self.set(plan or FaultPlan())

    def set(self, plan: FaultPlan) -> dict:
        self.plan = plan
        self._rng = random.Random(plan.seed)
        self._path = re.compile(plan.path_regex) if plan.path_regex else None
        self._query = re.compile(plan.query_regex) if plan.query_regex else None
        self._left = plan.max_faults
        self._storm_until = self._clock() + plan.storm_seconds if plan.storm_seconds > 0 else 0.0
        return asdict(plan)

    def applies(self, path: str, query: str = "") -> bool:
        return ((self._path is None or self._path.search(path) is not None)
                and (self._query is None or self._query.search(query) is not None))

    def storm(self, path: str) -> bool:
        return self._storm_until > self._clock() and self.applies(path)

    def choose(self, path: str, query: str = "") -> str | None:
        """The fault this request meets, or None. Draws only for matching paths and queries."""
        if not self.applies(path, query) or self._left == 0:
            return None
        draw = self._rng.random()
        for kind in KINDS:
            draw -= getattr(self.plan, f"{kind}_rate")
            if draw < 0:
                if self._left is not None:
                    self._left -= 1
                return kind
        return None

    def error_code(self) -> int:
        return self._rng.choice(self.plan.error_codes)


def _token(request) -> str:
    """The secret a client sent (token or consumer secret), as a careless server would echo it."""
    auth = request.headers.get("Authorization", "")
    match = re.search(r"(?:token|secret)=([^,\s]+)", auth) or re.search(r"token=([^&]+)", request.query_string)
    return match.group(1) if match else "no-token"


def _page(transform):
    """A rewrite of an inventory page's decoded body (other bodies pass untouched)."""

    def rewrite(data, request):
        if isinstance(data, dict) and isinstance(data.get("pagination"), dict) and "listings" in data:
            transform(data, request)
        return data

    return rewrite


def _end_early(data, request):
    data["listings"] = []
    data["pagination"]["urls"].pop("next", None)


def _echo_token(data, request):
    token = _token(request)
    urls = data["pagination"].get("urls") or {}
    for name, url in urls.items():
        urls[name] = f"{url}&token={token}"


# name -> function(decoded body, request) -> what to send (bytes are sent as they are).
REWRITES = {
    "empty_object": lambda data, request: {},
    "array": lambda data, request: [],
    "bad_json": lambda data, request: json.dumps(data).encode()[:-40] + b',"x": ]}',
    "null_listings": _page(lambda data, request: data.update(listings=None)),
    "empty_listings": _page(lambda data, request: data.update(listings=[])),
    "short_page": _page(lambda data, request: data.update(listings=data["listings"][: len(data["listings"]) // 2])),
    "end_early": _page(_end_early),
    "echo_token": _page(_echo_token),
    "unauthorized_echo": None,  # a 401 whose message repeats the secret sent
}


async def _rewritten(request, handler, injector: FaultInjector, headers: dict):
    name = injector.plan.rewrite
    if name == "unauthorized_echo":
        body = json.dumps({"message": f"Invalid consumer token {_token(request)}. Please check it."}).encode()
        return web.Response(status=401, body=body, content_type="application/json", headers=headers)
    full = await handler(request)
    if full.status != 200:
        return full
    body = REWRITES[name](json.loads(full.body), request)
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return web.Response(status=200, body=body, content_type="application/json", headers=headers)


async def respond(kind: str, request, handler, injector: FaultInjector, headers: dict):
    """The response for a chosen fault; ``headers`` go on it (rate-limit headers)."""
    if kind == "drop":
        request.transport.close()
        return web.Response(status=499)  # never sent: the connection is gone
    if kind == "cloudflare":
        cf_headers = {**headers, "Server": "cloudflare", "cf-mitigated": "challenge"}
        return web.Response(status=403, body=CLOUDFLARE_PAGE, content_type="text/html", headers=cf_headers)
    if kind == "nonjson":
        return web.Response(status=200, body=MAINTENANCE_PAGE, content_type="text/html", headers=headers)
    if kind == "error":
        code = injector.error_code()
        body = json.dumps({"message": ERROR_MESSAGES.get(code, "Server error.")}).encode()
        return web.Response(status=code, body=body, content_type="application/json", headers=headers)
    if kind == "rewrite":
        return await _rewritten(request, handler, injector, headers)
    if kind == "slow":
        await asyncio.sleep(injector.plan.slow_seconds)
        return await handler(request)
    if kind == "truncate":
        full = await handler(request)
        body = full.body or b"{}"
        stream = web.StreamResponse(status=full.status, headers={**full.headers, **headers})
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        request.transport.close()
        return stream
    raise ValueError(f"unknown fault {kind!r}")
