"""Which credentials a request carries, Discogs Auth style (API_FACTS.md §2).

Accepted: ``Authorization: Discogs token=T``, ``Authorization: Discogs key=K,
secret=S``, or the same as ``?token=`` / ``?key=&secret=`` query parameters
(the header wins when both are present). A token acts as its user; a consumer
key/secret gets the high rate tier and image URLs but is no user. ``Authorization: OAuth ...``
is verified by :mod:`discogs_harvest.sandbox.oauth`.
"""

import re
from typing import NamedTuple

_PAIR = re.compile(r"(\w+)\s*=\s*\"?([^,\"\s]*)\"?")


class Credentials(NamedTuple):
    kind: str  # "token" | "key" | "oauth" | "none" | "bad"
    user: str | None = None
    detail: str | None = None  # OAuth: the signature method verified, or why the request was refused

    @property
    def valid(self) -> bool:
        return self.kind in ("token", "key", "oauth")


NONE = Credentials("none")
BAD = Credentials("bad")


class Authenticator:
    def __init__(self, tokens: dict[str, str], consumers: dict[str, str]):
        self.tokens = dict(tokens)  # token -> username
        self.consumers = dict(consumers)  # key -> secret

    def identify(self, authorization: str | None, query) -> Credentials:
        if authorization:
            scheme, _, rest = authorization.strip().partition(" ")
            if scheme.lower() != "discogs":
                return BAD
            return self._check(dict(_PAIR.findall(rest)))
        if "token" in query or "key" in query:
            return self._check({name: query.get(name) for name in ("token", "key", "secret") if name in query})
        return NONE

    def _check(self, fields: dict) -> Credentials:
        if "token" in fields:
            user = self.tokens.get(fields["token"])
            return Credentials("token", user) if user else BAD
        key, secret = fields.get("key"), fields.get("secret")
        if key is not None and secret is not None and self.consumers.get(key) == secret:
            return Credentials("key")
        return BAD
