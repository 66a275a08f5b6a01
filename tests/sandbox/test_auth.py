"""Which credentials a request carries (API_FACTS.md §2), without HTTP."""

import pytest
from multidict import MultiDict

from discogs_harvest.sandbox.auth import Authenticator, Credentials

AUTH = Authenticator({"sandbox-token": "sandbox", "bl": "brotherlogic"}, {"sandbox-key": "sandbox-secret"})


@pytest.mark.parametrize("header, query, expected", [
    ("Discogs token=sandbox-token", {}, Credentials("token", "sandbox")),
    ("Discogs token=bl", {}, Credentials("token", "brotherlogic")),
    ("discogs token=\"sandbox-token\"", {}, Credentials("token", "sandbox")),
    ("Discogs key=sandbox-key, secret=sandbox-secret", {}, Credentials("key")),
    (None, {"token": "sandbox-token"}, Credentials("token", "sandbox")),
    (None, {"key": "sandbox-key", "secret": "sandbox-secret"}, Credentials("key")),
    (None, {"page": "2"}, Credentials("none")),
    (None, {}, Credentials("none")),
    ("Discogs token=wrong", {}, Credentials("bad")),
    ("Discogs key=sandbox-key, secret=wrong", {}, Credentials("bad")),
    ("Discogs key=sandbox-key", {}, Credentials("bad")),
    ("Bearer sandbox-token", {}, Credentials("bad")),
    (None, {"token": "wrong"}, Credentials("bad")),
    (None, {"key": "sandbox-key"}, Credentials("bad")),
    # the header wins over the query string
    ("Discogs token=sandbox-token", {"token": "wrong"}, Credentials("token", "sandbox")),
])
def test_identify(header, query, expected):
    assert AUTH.identify(header, MultiDict(query)) == expected


@pytest.mark.parametrize("kind, valid", [("token", True), ("key", True), ("none", False), ("bad", False)])
def test_only_token_and_key_are_valid(kind, valid):
    assert Credentials(kind).valid is valid
