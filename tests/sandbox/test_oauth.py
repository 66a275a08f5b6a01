"""The sandbox verifies OAuth 1.0a signatures for real, and refuses what Discogs refuses."""

import time

import pytest

from discogs_harvest import oauth
from discogs_harvest.sandbox.oauth import TIMESTAMP_WINDOW, OAuthProvider
from tests.sandbox.client import get

URL = "http://127.0.0.1:8765/users/shop-10-5/inventory?status=All&page=1"


def provider():
    return OAuthProvider({"sandbox-key": "sandbox-secret"}, {"otok": ("osec", "shop-10-5")})


def signed(url=URL, key="sandbox-key", secret="sandbox-secret", token="otok", token_secret="osec", **fixed):
    return oauth.authorization(oauth.client(key, secret, token, token_secret), url) if not fixed else \
        oauth.authorization(oauth.Client(key, client_secret=secret, resource_owner_key=token,
                                         resource_owner_secret=token_secret, **fixed), url)


def test_a_good_signature_acts_as_the_tokens_user():
    assert provider().verify("GET", URL, signed()) == ("oauth", "shop-10-5", "HMAC-SHA1")


@pytest.mark.parametrize("header, reason", [
    (lambda: signed(secret="nope"), "bad signature"),
    (lambda: signed(token_secret="nope"), "bad signature"),
    (lambda: signed(key="unknown"), "unknown consumer"),
    (lambda: signed(token="unknown"), "unknown token"),
    (lambda: signed(url=URL.replace("page=1", "page=2")), "bad signature"),
    (lambda: signed(timestamp=str(int(time.time()) - TIMESTAMP_WINDOW - 5)), "timestamp out of window"),
    (lambda: 'OAuth oauth_consumer_key="sandbox-key"', "signature method None"),
])
def test_what_is_refused(header, reason):
    assert provider().verify("GET", URL, header()) == ("bad", None, reason)


def test_a_replayed_request_is_refused():
    sandbox, header = provider(), signed()
    assert sandbox.verify("GET", URL, header).kind == "oauth"
    assert sandbox.verify("GET", URL, header) == ("bad", None, "nonce used before")


def test_a_request_token_signs_only_the_access_token_step():
    sandbox = provider()
    answer = dict(p.split("=") for p in sandbox.request_token(signed(token=None, token_secret=None)).split("&"))
    token, secret = answer["oauth_token"], answer["oauth_token_secret"]
    header = signed(URL, token=token, token_secret=secret)
    assert sandbox.verify("GET", URL, header).detail == "unknown token"
    access = "http://127.0.0.1:8765/oauth/access_token"
    header = oauth.authorization(oauth.client("sandbox-key", "sandbox-secret", token, secret), access, "POST")
    assert sandbox.verify("POST", access, header, path="/oauth/access_token").kind == "oauth"


@pytest.mark.sandbox
def test_the_server_answers_a_bad_signature_as_discogs_does(sandbox):
    reply = get(sandbox, "/oauth/identity", token=None, headers={"Authorization": signed(secret="nope")})
    assert reply.status == 401 and reply.json() == {"message": "You must authenticate to access this resource."}
    assert reply.headers["WWW-Authenticate"] == 'OAuth realm="https://api.discogs.com"'
    assert [(e["auth"], e["signed"]) for e in sandbox.log()] == [("bad", "unknown token")]
