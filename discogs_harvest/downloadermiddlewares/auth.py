"""DiscogsAuthMiddleware: credentials and User-Agent on requests to the Discogs API.

Settings: ``DISCOGS_API_URL`` (only requests under it are touched), ``DISCOGS_TOKEN``, or
``DISCOGS_CONSUMER_KEY`` + ``DISCOGS_CONSUMER_SECRET`` (Discogs Auth, API_FACTS.md §2), plus
``DISCOGS_OAUTH_TOKEN`` + ``DISCOGS_OAUTH_TOKEN_SECRET`` (OAuth 1.0a, written by ``scrapy
discogs_login``) signed with ``DISCOGS_OAUTH_SIGNATURE_METHOD``, ``DISCOGS_USER_AGENT`` (Discogs
requires an identifying one).

The credentials go in the ``Authorization`` header only: never in a URL, so they cannot
reach logs, feeds, stats or the database; and what a server echoes of them is masked
(:mod:`discogs_harvest.scrub`). With all four OAuth values set every request is
signed (:mod:`discogs_harvest.oauth`: a fresh nonce per request, retries included) and no
token header is sent; otherwise a token wins over a key/secret pair. A request with
``meta["dont_auth"] = True`` is sent without credentials (the User-Agent is still set).
"""

import logging

from scrapy.exceptions import NotConfigured

from discogs_harvest import oauth, scrub
from discogs_harvest.downloadermiddlewares.apiurl import api_prefix, is_api_request

logger = logging.getLogger(__name__)


def authorization(token="", key="", secret=""):
    """The ``Authorization`` header value for the given credentials, or None without any."""
    if token:
        return f"Discogs token={token}"
    if key and secret:
        return f"Discogs key={key}, secret={secret}"
    return None


def oauth_credentials(settings):
    """``(consumer key, consumer secret, token, token secret)`` when all four are set, else None."""
    values = tuple(settings.get(name) or "" for name in OAUTH_SETTINGS)
    return values if all(values) else None


def credential_hint(settings):
    """The settings a user should check when Discogs refuses the credentials (names, never values)."""
    if oauth_credentials(settings):
        return "DISCOGS_OAUTH_TOKEN and DISCOGS_OAUTH_TOKEN_SECRET in .env (run scrapy discogs_login again)"
    if settings.get("DISCOGS_TOKEN"):
        return "DISCOGS_TOKEN in .env"
    return "DISCOGS_CONSUMER_KEY and DISCOGS_CONSUMER_SECRET in .env"


OAUTH_SETTINGS = ("DISCOGS_CONSUMER_KEY", "DISCOGS_CONSUMER_SECRET", "DISCOGS_OAUTH_TOKEN",
                  "DISCOGS_OAUTH_TOKEN_SECRET")


class DiscogsAuthMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.api_url = api_prefix(settings.get("DISCOGS_API_URL"))
        if not self.api_url:
            raise NotConfigured("DISCOGS_API_URL is empty")
        key = settings.get("DISCOGS_CONSUMER_KEY") or ""
        secret = settings.get("DISCOGS_CONSUMER_SECRET") or ""
        if bool(key) != bool(secret):
            logger.warning("DISCOGS_CONSUMER_KEY and DISCOGS_CONSUMER_SECRET go together; "
                           "one of them is empty, so neither is sent")
        self._authorization = authorization(settings.get("DISCOGS_TOKEN") or "", key, secret)
        # A server may echo them back (a 401 message, pagination URLs): mask them everywhere.
        scrub.remember(settings.get("DISCOGS_TOKEN"), key, secret, settings.get("DISCOGS_OAUTH_TOKEN"),
                       settings.get("DISCOGS_OAUTH_TOKEN_SECRET"), settings.get("JSONRPC_TOKEN"))
        scrub.install_log_filter()
        self._oauth = None
        credentials = oauth_credentials(settings)
        if credentials:
            method = oauth.signature_method(settings.get("DISCOGS_OAUTH_SIGNATURE_METHOD"), self.api_url)
            self._oauth = oauth.client(*credentials, method=method)
        elif settings.get("DISCOGS_OAUTH_TOKEN") or settings.get("DISCOGS_OAUTH_TOKEN_SECRET"):
            logger.warning("DISCOGS_OAUTH_TOKEN and DISCOGS_OAUTH_TOKEN_SECRET need DISCOGS_CONSUMER_KEY and "
                           "DISCOGS_CONSUMER_SECRET as well; requests are not signed")
        self.user_agent = settings.get("DISCOGS_USER_AGENT") or ""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def authenticated(self):
        return self._authorization is not None or self._oauth is not None

    @property
    def signing(self):
        return self._oauth is not None

    def process_request(self, request):
        if not is_api_request(request, self.api_url):
            return None
        if self.user_agent:
            request.headers[b"User-Agent"] = self.user_agent
        if request.meta.get("dont_auth", False):
            request.headers.pop(b"Authorization", None)
        elif self._oauth is not None:
            content_type = request.headers.get(b"Content-Type")
            request.headers[b"Authorization"] = oauth.authorization(
                self._oauth, request.url, request.method, request.body or None,
                content_type.decode("latin-1") if content_type else None)
        elif self._authorization:
            request.headers[b"Authorization"] = self._authorization
        return None

    def __repr__(self):
        # Never show the credentials, even in a debugger or a traceback's locals.
        return f"<{type(self).__name__} api_url={self.api_url!r} authenticated={self.authenticated} signing={self.signing}>"
