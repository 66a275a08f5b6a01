"""OAuth 1.0a signing for the Discogs API, with oauthlib doing the RFC 5849 work.

Discogs' flow (https://www.discogs.com/developers/#page:authentication,header:authentication-oauth-flow,
API_FACTS.md §2): ``GET /oauth/request_token`` signed with the consumer key/secret, the user
authorises at ``https://www.discogs.com/oauth/authorize?oauth_token=...`` and is shown a verifier
(out of band, as a desktop app needs: ``oauth_callback="oob"``), ``POST /oauth/access_token`` with
the verifier gives an access token and secret that never expire. Every later request carries
``Authorization: OAuth oauth_consumer_key=..., oauth_token=..., oauth_signature_method=...,
oauth_signature=...``. Discogs accepts ``PLAINTEXT`` (recommended by its docs, over HTTPS) and
``HMAC-SHA1``; python3-discogs-client signs with PLAINTEXT through oauthlib (its
``discogs_client/fetchers.py`` ``OAuth2Fetcher``).

``HMAC-SHA1`` is the default here: the secrets never travel, only a digest of the request.
``PLAINTEXT`` sends ``<consumer secret>&<token secret>`` in the header, so it is refused on a
plain ``http://`` URL unless the host is this machine (the sandbox).
"""

import ipaddress
import logging
from urllib.parse import urlsplit

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_PLAINTEXT, SIGNATURE_TYPE_AUTH_HEADER, Client

from discogs_harvest.exceptions import HarvestConfigError

# oauthlib logs every parameter it signs (the token, the nonce, the base string) at DEBUG: a
# harvest with LOG_LEVEL=DEBUG would write the credentials into its log. Its warnings stay.
logging.getLogger("oauthlib").setLevel(logging.WARNING)

SIGNATURE_METHODS = {"HMAC-SHA1": SIGNATURE_HMAC_SHA1, "PLAINTEXT": SIGNATURE_PLAINTEXT}
DEFAULT_METHOD = "HMAC-SHA1"
OOB = "oob"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def is_loopback(url):
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def signature_method(name, api_url):
    """The oauthlib constant for ``name``; HarvestConfigError for an unknown one or PLAINTEXT over http."""
    method = (name or DEFAULT_METHOD).strip().upper()
    if method not in SIGNATURE_METHODS:
        raise HarvestConfigError(f"DISCOGS_OAUTH_SIGNATURE_METHOD {name!r} is not one of "
                                 f"{', '.join(SIGNATURE_METHODS)}")
    if method == "PLAINTEXT" and urlsplit(api_url or "").scheme != "https" and not is_loopback(api_url):
        raise HarvestConfigError("DISCOGS_OAUTH_SIGNATURE_METHOD PLAINTEXT sends the secrets as they are: "
                                 "only over https (DISCOGS_API_URL is not)")
    return SIGNATURE_METHODS[method]


def client(consumer_key, consumer_secret, token=None, token_secret=None, method=SIGNATURE_HMAC_SHA1,
           verifier=None, callback=None):
    """An oauthlib client that signs into the Authorization header."""
    return Client(consumer_key, client_secret=consumer_secret, resource_owner_key=token,
                  resource_owner_secret=token_secret, signature_method=method,
                  signature_type=SIGNATURE_TYPE_AUTH_HEADER, verifier=verifier, callback_uri=callback)


def authorization(oauth_client, url, method="GET", body=None, content_type=None):
    """The ``Authorization`` header value for one request: a fresh nonce and timestamp each call,
    so a retried request is signed anew. A form body's parameters are signed too (RFC 5849 §3.4.1.3)."""
    headers = {"Content-Type": content_type} if content_type else None
    _, signed, _ = oauth_client.sign(url, http_method=method, body=body or None, headers=headers)
    return signed["Authorization"]
