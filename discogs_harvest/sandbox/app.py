"""The sandbox's aiohttp application: Discogs routes, control routes, and the
middleware that does what api.discogs.com does around every request.

For each Discogs-route request, in order (API_FACTS.md §1, §2, §7):
1. a fault storm, or a spent rate window, answers 429 (not counted);
   otherwise the request is counted in the client's (source IP's) window;
2. no User-Agent answers 403 with an empty body;
3. unknown credentials answer 401;
4. a fault may be injected (see ``faults.py``); else the route answers.
Every response carries the three ``X-Discogs-Ratelimit*`` headers and is logged.
``/_sandbox/*`` control routes skip all of it.
"""

import json
import math
import time
from dataclasses import asdict, dataclass

from aiohttp import web

from discogs_harvest.sandbox import dumps, export, faults, oauth
from discogs_harvest.sandbox.auth import Authenticator
from discogs_harvest.sandbox.catalog import ApiError, Catalog
from discogs_harvest.sandbox.clock import SandboxClock
from discogs_harvest.sandbox.faults import FaultInjector, FaultPlan
from discogs_harvest.sandbox.lists import SEARCH_CAP, ListError
from discogs_harvest.sandbox.ratelimit import MovingWindow
from discogs_harvest.sandbox.reqlog import RequestLog


@dataclass
class Settings:
    window: float = 60.0
    limit_auth: int = 60
    limit_anon: int = 25
    retry_after: float | None = None  # None: 429s carry no Retry-After, as on Discogs
    search_cap: int = SEARCH_CAP  # search results reachable per query (tests lower it)


class Sandbox:
    """Everything one running sandbox holds."""

    def __init__(self, settings: Settings, auth: Authenticator, plan: FaultPlan | None = None,
                 log_path: str | None = None, catalog: Catalog | None = None, oauth_tokens: dict | None = None):
        self.settings, self.auth = settings, auth
        self.oauth = oauth.OAuthProvider(auth.consumers, oauth_tokens)
        self.catalog = catalog or Catalog()
        self.exports = export.Exports(self.catalog)
        self.clock = SandboxClock()  # frozen or advanced by tests (POST /_sandbox/clock)
        self.limiter = MovingWindow(settings.window, clock=self.clock)
        self.faults = FaultInjector(plan)
        self.log = RequestLog(log_path)
        self.base_url = ""  # set once the port is bound

    def configure(self, **changes) -> dict:
        unknown = set(changes) - set(asdict(self.settings))
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        self.settings = Settings(**{**asdict(self.settings), **changes})
        self.limiter.window = float(self.settings.window)
        return asdict(self.settings)

    def reset(self) -> None:
        self.log.clear()
        self.limiter.reset()
        self.clock.reset()
        self.faults.set(FaultPlan())
        self.catalog.reset()
        self.exports.reset()


SANDBOX = web.AppKey("sandbox", Sandbox)


def _json(body: bytes, status: int = 200, headers=None) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json", headers=headers)


def _error(status: int, message: str, headers=None) -> web.Response:
    return _json(json.dumps({"message": message}).encode(), status, headers)


def _too_many(sb: Sandbox, retry_after) -> web.Response:
    headers = {} if retry_after is None else {"Retry-After": str(math.ceil(retry_after))}
    return _error(429, sb.catalog.messages["429_too_quickly.RECONSTRUCTED"], headers)


async def _serve(request, handler):
    """The route's answer, with API errors and unknown routes as Discogs-style JSON."""
    try:
        return await handler(request)
    except ApiError as exc:
        return _json(exc.body(), exc.status)
    except web.HTTPException as exc:
        message = request.app[SANDBOX].catalog.not_found().message if exc.status == 404 else exc.reason
        return _error(exc.status, message)


@web.middleware
async def discogs_behaviour(request, handler):
    if request.path.startswith("/_sandbox/"):
        return await handler(request)
    if request.path.startswith(dumps.BUCKET_PREFIX):  # the data-dump bucket: S3, not the API
        response = await handler(request)
        request.app[SANDBOX].log.append(t=time.time(), method=request.method, path=request.path,
                                        query=request.query_string, status=response.status, fault=None,
                                        range=request.headers.get("Range"), auth="bucket")
        return response
    sb, client, fault = request.app[SANDBOX], request.remote, None
    creds = request["creds"] = await oauth.identify(sb, request)
    limit = sb.settings.limit_auth if creds.valid else sb.settings.limit_anon
    if sb.faults.storm(request.path):
        verdict, fault = sb.limiter.peek(client, limit), "storm"
    else:
        verdict = sb.limiter.hit(client, limit)
    headers = {"X-Discogs-Ratelimit": str(limit), "X-Discogs-Ratelimit-Used": str(verdict.used),
               "X-Discogs-Ratelimit-Remaining": str(verdict.remaining), "X-Discogs-Media-Type": "discogs.v2"}
    if fault == "storm":
        response = _too_many(sb, sb.faults.plan.storm_retry_after)
    elif not verdict.allowed:
        response = _too_many(sb, sb.settings.retry_after)
    elif not request.headers.get("User-Agent", "").strip():
        response = web.Response(status=403)  # Discogs' "empty response" (API_FACTS.md §2)
    elif creds.kind == "bad":
        response = _error(401, sb.catalog.messages["401_must_authenticate"],
                          {"WWW-Authenticate": 'OAuth realm="https://api.discogs.com"'})
    else:
        fault = sb.faults.choose(request.path, request.query_string)
        serve = lambda req: _serve(req, handler)  # noqa: E731
        response = await (faults.respond(fault, request, serve, sb.faults, headers) if fault else serve(request))
    if not response.prepared:
        response.headers.update(headers)
    sb.log.append(t=time.time(), method=request.method, path=request.path, query=request.query_string,
                  status=None if fault == "drop" else response.status, client=client, auth=creds.kind,
                  user_agent=request.headers.get("User-Agent"), fault=fault, signed=creds.detail)
    return response


# --- Discogs routes -----------------------------------------------------------------


async def inventory(request):
    sb, creds = request.app[SANDBOX], request["creds"]
    body = sb.catalog.inventory(request.match_info["username"], list(request.query.items()),
                                sb.base_url + request.path, creds.user, creds.valid)
    return _json(body)


async def release(request):
    sb = request.app[SANDBOX]
    return _json(sb.catalog.release(int(request.match_info["id"]), request["creds"].valid))


async def listing(request):
    sb, creds = request.app[SANDBOX], request["creds"]
    return _json(sb.catalog.listing(int(request.match_info["id"]), creds.user, creds.valid))


async def entity(request):
    sb, kind = request.app[SANDBOX], request.match_info["kind"]
    return _json(sb.catalog.entity(kind, int(request.match_info["id"]), request["creds"].valid))


def _listed(make):
    """A route answered by :mod:`~discogs_harvest.sandbox.lists` (its errors as Discogs' bodies)."""

    async def handler(request):
        sb = request.app[SANDBOX]
        try:
            return _json(make(sb.catalog.lists, request, sb.base_url + request.path, request["creds"]))
        except ListError as exc:
            return _error(exc.status, exc.message)

    return handler


def _folder(request):
    folder = request.match_info["folder"]
    if not folder.isdigit():
        raise ListError(404, "The requested folder does not exist.")
    return int(folder)


def _needs_user(creds):
    if not creds.valid:
        raise ListError(401, "You must authenticate to access this resource.")


def _search(lists, request, base, creds):
    _needs_user(creds)  # /database/search has required credentials since 2014 (API_FACTS.md §2)
    return lists.search(list(request.query.items()), base, request.app[SANDBOX].settings.search_cap)


def _suggestions(lists, request, base, creds):
    _needs_user(creds)
    return lists.price_suggestions(int(request.match_info["id"]))


LIST_ROUTES = [
    web.get("/users/{username}/collection/folders", _listed(
        lambda lists, req, base, creds: lists.collection_folders(req.match_info["username"], creds.user))),
    web.get("/users/{username}/collection/folders/{folder}/releases", _listed(
        lambda lists, req, base, creds: lists.collection(req.match_info["username"], _folder(req),
                                                         list(req.query.items()), base, creds.user))),
    web.get("/users/{username}/wants", _listed(
        lambda lists, req, base, creds: lists.wantlist(req.match_info["username"], list(req.query.items()), base,
                                                       creds.user))),
    web.get(r"/labels/{id:\d+}/releases", _listed(
        lambda lists, req, base, creds: lists.label_list(int(req.match_info["id"]), list(req.query.items()), base))),
    web.get(r"/artists/{id:\d+}/releases", _listed(
        lambda lists, req, base, creds: lists.artist_list(int(req.match_info["id"]), list(req.query.items()),
                                                          base))),
    web.get(r"/masters/{id:\d+}/versions", _listed(
        lambda lists, req, base, creds: lists.master_list(int(req.match_info["id"]), list(req.query.items()),
                                                          base))),
    web.get("/database/search", _listed(_search)),
    web.get(r"/marketplace/stats/{id:\d+}", _listed(
        lambda lists, req, base, creds: lists.market_stats(int(req.match_info["id"]), req.query.get("curr_abbr")))),
    web.get(r"/marketplace/price_suggestions/{id:\d+}", _listed(_suggestions)),
]


async def identity(request):
    return _json(request.app[SANDBOX].catalog.identity(request["creds"].user))


# --- control routes -----------------------------------------------------------------


async def _payload(request) -> dict:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except json.JSONDecodeError as exc:
        raise web.HTTPBadRequest(text=json.dumps({"message": str(exc)}), content_type="application/json")
    return data or {}


def _control(action):
    """A control handler: JSON in, JSON out, bad input -> 400."""

    async def handler(request):
        try:
            result = action(request.app[SANDBOX], request, await _payload(request))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        except ApiError as exc:
            return _json(exc.body(), exc.status)
        return _json(json.dumps(result).encode())

    return handler


def _log(sb, request, _):
    since = int(request.query.get("since", 0))
    return {"requests": sb.log.since(since), "next": sb.log.last_seq}


def _reset(sb, request, _):
    sb.reset()
    return {"reset": True}


def _consume(sb, request, data):
    return {"client": request.remote, "used": sb.limiter.consume(request.remote, int(data.get("count", 0)))}


def _mutate(sb, request, data):
    return sb.catalog.seller(request.match_info["name"]).mutate(**data)


def _changes(sb, request, _):
    """The seller's journal: every change ``mutate`` made since the last reset, in order."""
    seller = sb.catalog.seller(request.match_info["name"])
    return {"seller": seller.name, "changes": seller.journal}


def build_app(sb: Sandbox) -> web.Application:
    app = web.Application(middlewares=[discogs_behaviour])
    app[SANDBOX] = sb
    app.router.add_routes([
        web.get("/users/{username}/inventory", inventory),
        web.get(r"/releases/{id:\d+}", release),
        web.get(r"/marketplace/listings/{id:\d+}", listing),
        web.get(r"/{kind:masters|artists|labels}/{id:\d+}", entity),
        web.get("/oauth/identity", identity),
        *LIST_ROUTES,
        *oauth.ROUTES,
        *export.ROUTES,
        *dumps.bucket_routes(),
        web.get("/_sandbox/log", _control(_log)),
        web.post("/_sandbox/reset", _control(_reset)),
        web.post("/_sandbox/config", _control(lambda sb, request, data: sb.configure(**data))),
        web.post("/_sandbox/faults", _control(lambda sb, request, data: sb.faults.set(FaultPlan.from_dict(data)))),
        web.post("/_sandbox/consume", _control(_consume)),
        web.post("/_sandbox/clock", _control(lambda sb, request, data: sb.clock.set(**data))),
        web.post("/_sandbox/sellers/{name}/mutate", _control(_mutate)),
        web.get("/_sandbox/sellers/{name}/changes", _control(_changes)),
        web.post("/_sandbox/oauth/authorize", _control(oauth.authorize_control)),
        web.post("/_sandbox/exports", _control(lambda sb, request, data: sb.exports.configure(**data))),
    ])
    return app
