"""``scrapy discogs_whoami``: which Discogs user and auth tier the configured credentials give.

One request, ``GET /oauth/identity`` (API_FACTS.md §2: ``{"id", "username", "resource_url",
"consumer_name"}``), sent with the credentials a crawl would use: ``DISCOGS_TOKEN`` (personal
token), or ``DISCOGS_OAUTH_TOKEN``/``_SECRET`` signed with the consumer key (OAuth 1.0a). The
rate limit is Discogs' ``X-Discogs-Ratelimit`` header of that answer, else the documented
figure (60 per minute authenticated, 25 without; API_FACTS.md §1). A consumer key and secret
alone authenticate the application but no user, so there is nobody to ask about: that is said
without a request. A refused credential is one line and exit 4; no credentials at all, exit 4.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from discogs_harvest import oauth
from discogs_harvest.downloadermiddlewares.auth import authorization, oauth_credentials
from discogs_harvest.scrub import scrub

TIMEOUT = 30
DOCUMENTED_LIMIT = {True: 60, False: 25}  # per minute, authenticated or not (API_FACTS.md §1)


class WhoamiError(Exception):
    def __init__(self, message, status=4):
        super().__init__(message)
        self.status = status


@dataclass
class Identity:
    username: str | None
    tier: str
    rate_limit: int

    def line(self):
        who = f"{self.username}" if self.username else "no user"
        return f"{who}: {self.tier}; {self.rate_limit} requests per minute"


def tier_of(settings):
    """``(tier description, Authorization header maker or None)`` for the configured credentials."""
    api_url = settings.get("DISCOGS_API_URL").rstrip("/")
    credentials = oauth_credentials(settings)
    if credentials:
        key, secret, token, token_secret = credentials
        client = oauth.client(key, secret, token, token_secret,
                              oauth.signature_method(settings.get("DISCOGS_OAUTH_SIGNATURE_METHOD"), api_url))
        return "OAuth 1.0a access token (acts as this user, image URLs)", \
            lambda url: oauth.authorization(client, url)
    if settings.get("DISCOGS_TOKEN"):
        header = authorization(settings.get("DISCOGS_TOKEN"))
        return "personal access token (acts as this user, image URLs)", lambda url: header
    if settings.get("DISCOGS_CONSUMER_KEY") and settings.get("DISCOGS_CONSUMER_SECRET"):
        return "consumer key and secret (the application, no user: no private data, image URLs)", None
    return None, None


def whoami(settings, opener=urllib.request.urlopen):
    tier, sign = tier_of(settings)
    if tier is None:
        raise WhoamiError("no Discogs credentials: set DISCOGS_TOKEN in .env or run scrapy discogs_login "
                          f"(without any: {DOCUMENTED_LIMIT[False]} requests per minute, no search, no images)")
    if sign is None:
        return Identity(None, tier, DOCUMENTED_LIMIT[True])
    url = settings.get("DISCOGS_API_URL").rstrip("/") + "/oauth/identity"
    request = urllib.request.Request(url, headers={"User-Agent": settings.get("DISCOGS_USER_AGENT"),
                                                   "Authorization": sign(url)})
    try:
        with opener(request, timeout=TIMEOUT) as response:
            body, limit = response.read(), response.headers.get("X-Discogs-Ratelimit")
    except urllib.error.HTTPError as exc:
        raise WhoamiError(scrub(f"Discogs refused the credentials (HTTP {exc.code}: {_message(exc.read())}); "
                                "check DISCOGS_TOKEN in .env or run scrapy discogs_login again")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise WhoamiError(f"cannot reach {settings.get('DISCOGS_API_URL')}: {getattr(exc, 'reason', exc)}", 1) \
            from None
    try:
        username = json.loads(body)["username"]
    except (ValueError, KeyError, TypeError):
        raise WhoamiError("Discogs answered /oauth/identity without a username", 1) from None
    limit = int(limit) if limit and limit.isdigit() else DOCUMENTED_LIMIT[True]
    return Identity(username, tier, limit)


def _message(body):
    try:
        return json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip()[:200] or "no message"
