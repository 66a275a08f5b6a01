"""The sandbox's OAuth 1.0a provider: Discogs' three-step flow, and a real check of every signature.

Routes (Discogs' own, API_FACTS.md §2, https://www.discogs.com/developers/#page:authentication):

- ``GET /oauth/request_token``, signed with the consumer key/secret only, ``oauth_callback`` "oob"
  (or a URL): answers ``oauth_token=...&oauth_token_secret=...&oauth_callback_confirmed=true``.
- ``GET /oauth/authorize?oauth_token=T``: a small HTML page where "the user" (any username typed
  in) grants access; ``POST /oauth/authorize`` shows the verifier, as Discogs shows it to a
  desktop app's user. ``POST /_sandbox/oauth/authorize {"oauth_token", "username"}`` is the same
  step for tests: ``{"verifier": ...}``.
- ``POST /oauth/access_token``, signed with the consumer and the request token, carrying
  ``oauth_verifier``: answers ``oauth_token=...&oauth_token_secret=...``. Request tokens and
  verifiers live 15 minutes, access tokens until the sandbox stops.

Every request with ``Authorization: OAuth ...`` is verified with oauthlib's own RFC 5849
functions (``collect_parameters``, ``verify_hmac_sha1``, ``verify_plaintext``): the base string
is rebuilt from the method, the URL as received, the query and a form body. A wrong signature,
an unknown consumer or token, a timestamp more than ``TIMESTAMP_WINDOW`` seconds off, or a nonce
seen before is refused with Discogs' 401. Each verified request is logged with ``auth`` =
``"oauth"`` and ``signed`` = the signature method; a refused one with ``auth`` = ``"bad"`` and
``signed`` = the reason.
"""

import html
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature, utils

from discogs_harvest.sandbox.auth import Credentials
from discogs_harvest.sandbox.catalog import ApiError

TIMESTAMP_WINDOW = 300  # seconds a timestamp may differ from the sandbox's clock (RFC 5849 §3.3)
REQUEST_TOKEN_LIFETIME = 15 * 60  # Discogs: request token and verifier expire after 15 minutes
METHODS = ("HMAC-SHA1", "PLAINTEXT")
FORM = "application/x-www-form-urlencoded"


def oauth_params(authorization: str) -> dict:
    """The header's ``oauth_*`` parameters, percent-decoded (RFC 5849 §3.5.1)."""
    return {name: utils.unescape(value) for name, value in utils.parse_authorization_header(authorization)}


def refused(reason: str) -> Credentials:
    return Credentials("bad", None, reason)


class OAuthProvider:
    def __init__(self, consumers: dict[str, str], access_tokens: dict[str, tuple[str, str]] | None = None):
        self.consumers = consumers  # key -> secret (shared with the Authenticator)
        self.access = dict(access_tokens or {})  # token -> (secret, username)
        self.pending: dict[str, dict] = {}  # request token -> {secret, consumer, created, verifier, user}
        self.nonces: dict[tuple, float] = {}

    # --- verification ----------------------------------------------------------------

    def verify(self, method: str, url: str, authorization: str, body: str = "", content_type: str = "",
               path: str = "") -> Credentials:
        """Who a signed request acts as (``Credentials("oauth", user, method)``), or why it is refused."""
        try:
            params = oauth_params(authorization)
        except (ValueError, TypeError):
            return refused("malformed header")
        consumer, token = params.get("oauth_consumer_key"), params.get("oauth_token")
        method_name = params.get("oauth_signature_method")
        if method_name not in METHODS:
            return refused(f"signature method {method_name!r}")
        if consumer not in self.consumers:
            return refused("unknown consumer")
        try:
            stamp = int(params.get("oauth_timestamp", ""))
        except ValueError:
            return refused("no timestamp")
        if abs(time.time() - stamp) > TIMESTAMP_WINDOW:
            return refused("timestamp out of window")
        token_secret, user = "", None
        if token:
            if token in self.access:
                token_secret, user = self.access[token]
            elif token in self.pending and path == "/oauth/access_token":
                token_secret = self.pending[token]["secret"]
            else:
                return refused("unknown token")
        request = Request(url, method, body if FORM in (content_type or "") else "", {"Authorization": authorization})
        request.params = signature.collect_parameters(
            uri_query=request.uri_query, body=request.body, headers=request.headers, exclude_oauth_signature=True)
        request.signature = params.get("oauth_signature")
        check = signature.verify_plaintext if method_name == "PLAINTEXT" else signature.verify_hmac_sha1
        if not check(request, self.consumers[consumer], token_secret):
            return refused("bad signature")
        nonce = (consumer, token, params.get("oauth_nonce"), stamp)
        if nonce in self.nonces:
            return refused("nonce used before")
        self._remember(nonce)
        return Credentials("oauth", user, method_name)

    def _remember(self, nonce: tuple) -> None:
        now = time.time()
        self.nonces[nonce] = now
        if len(self.nonces) > 100_000:  # forget what the timestamp window refuses anyway
            self.nonces = {n: t for n, t in self.nonces.items() if now - t < 2 * TIMESTAMP_WINDOW}

    # --- the flow ----------------------------------------------------------------------

    def request_token(self, authorization: str) -> str:
        params = oauth_params(authorization)
        token, secret = secrets.token_hex(10), secrets.token_hex(20)
        self.pending[token] = {"secret": secret, "consumer": params["oauth_consumer_key"], "created": time.time(),
                               "verifier": None, "user": None}
        return urlencode({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})

    def authorize(self, token: str, username: str) -> str:
        grant = self._pending(token)
        if grant is None or not username:
            raise ValueError("unknown or expired oauth_token, or no username")
        grant["user"], grant["verifier"] = username, secrets.token_hex(5)
        return grant["verifier"]

    def access_token(self, authorization: str) -> str | None:
        params = oauth_params(authorization)
        grant = self._pending(params.get("oauth_token", ""))
        if grant is None or grant["verifier"] is None or params.get("oauth_verifier") != grant["verifier"] \
                or params.get("oauth_consumer_key") != grant["consumer"]:
            return None
        del self.pending[params["oauth_token"]]
        token, secret = secrets.token_hex(20), secrets.token_hex(20)
        self.access[token] = (secret, grant["user"])
        return urlencode({"oauth_token": token, "oauth_token_secret": secret})

    def _pending(self, token: str) -> dict | None:
        grant = self.pending.get(token)
        if grant is not None and time.time() - grant["created"] > REQUEST_TOKEN_LIFETIME:
            del self.pending[token]
            grant = None
        return grant


async def identify(sb, request) -> Credentials:
    """The credentials of ``request``: OAuth signatures verified here, the rest by the Authenticator."""
    authorization = request.headers.get("Authorization")
    if authorization and authorization.lstrip()[:6].lower() == "oauth ":
        body = await request.text() if request.can_read_body else ""
        return sb.oauth.verify(request.method, str(request.url), authorization, body,
                               request.headers.get("Content-Type", ""), request.path)
    return sb.auth.identify(authorization, request.query)


# --- routes ------------------------------------------------------------------------------

def sandbox_of(request):
    from discogs_harvest.sandbox.app import SANDBOX  # app.py imports this module

    return request.app[SANDBOX]


def _form(body: str) -> web.Response:
    return web.Response(text=body, content_type=FORM)


def _unauthorized(request) -> web.Response:
    raise ApiError(401, sandbox_of(request).catalog.messages["401_must_authenticate"])


async def request_token(request):
    creds = request["creds"]
    if creds.kind != "oauth" or "oauth_token=" in request.headers.get("Authorization", ""):
        _unauthorized(request)
    return _form(sandbox_of(request).oauth.request_token(request.headers["Authorization"]))


async def access_token(request):
    creds = request["creds"]
    body = sandbox_of(request).oauth.access_token(request.headers.get("Authorization", "")) \
        if creds.kind == "oauth" else None
    if body is None:
        _unauthorized(request)
    return _form(body)


PAGE = """<!doctype html><title>Authorize application</title>
<h1>Authorize access to your Discogs account</h1>
<form method="post"><input type="hidden" name="oauth_token" value="{token}">
<label>Username <input name="username" value="sandbox"></label> <button>Authorize</button></form>"""


async def authorize_page(request):
    token = html.escape(request.query.get("oauth_token", ""))
    return web.Response(text=PAGE.format(token=token), content_type="text/html")


async def authorize_form(request):
    data = dict(parse_qsl(await request.text()))
    try:
        verifier = sandbox_of(request).oauth.authorize(data.get("oauth_token", ""), data.get("username", ""))
    except ValueError as exc:
        return web.Response(status=400, text=str(exc), content_type="text/plain")
    return web.Response(text=f"<!doctype html><p>Enter this code in the application: <code>{verifier}</code>",
                        content_type="text/html")


def authorize_control(sb, request, data) -> dict:
    return {"verifier": sb.oauth.authorize(str(data.get("oauth_token", "")), str(data.get("username", "")))}


ROUTES = [
    web.get("/oauth/request_token", request_token),
    web.post("/oauth/request_token", request_token),
    web.post("/oauth/access_token", access_token),
    web.get("/oauth/authorize", authorize_page),
    web.post("/oauth/authorize", authorize_form),
]
