"""The OAuth 1.0a login behind ``scrapy discogs_login``, without Scrapy: plain HTTP calls.

Discogs' out-of-band flow (API_FACTS.md §2; https://www.discogs.com/developers/#page:authentication,
header:authentication-oauth-flow; python3-discogs-client's ``Client.get_authorize_url`` /
``get_access_token`` do the same steps): ask ``/oauth/request_token`` with the consumer key and
secret (``oauth_callback="oob"``), show the user ``DISCOGS_AUTHORIZE_URL?oauth_token=...``, read
the verifier Discogs shows them, trade it at ``/oauth/access_token`` for an access token and
secret, and check them at ``/oauth/identity``. The token and secret are written to ``.env``
(:func:`write_env`: created with mode 600, other lines kept), or with ``--keyring`` to the system
keyring (:mod:`discogs_harvest.credentials`); they are never printed.

Each step raises :class:`LoginError` with one line a user can act on.
"""

import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from discogs_harvest import credentials, oauth
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.project import dotenv_target

TIMEOUT = 30


class LoginError(Exception):
    """One line for the user; ``status`` is the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


@dataclass
class Login:
    api_url: str
    authorize_url: str
    consumer_key: str
    consumer_secret: str
    user_agent: str
    signature_method: str = oauth.DEFAULT_METHOD


def env_file():
    """The ``.env`` the project reads its settings from (:func:`discogs_harvest.project.dotenv_target`)."""
    return dotenv_target()


def write_env(path, values):
    """Set ``values`` (name -> value) in the dotenv file ``path``, keeping its other lines.

    The file is written whole to a temporary file created with mode 600 in the same folder,
    then renamed over ``path``: it is never readable by others, not even for a moment, and a
    crash leaves the old file intact.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    out = []
    for line in lines:
        name = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if name in pending:
            out.append(f"{name}={pending.pop(name)}")
        else:
            out.append(line)
    out += [f"{name}={value}" for name, value in pending.items()]
    fd, temporary = tempfile.mkstemp(prefix=".env.", dir=path.parent)  # mkstemp: mode 600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(out) + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


class Flow:
    """The three calls of the flow plus the identity check, against ``login.api_url``."""

    def __init__(self, login: Login):
        self.login = login
        self.method = oauth.signature_method(login.signature_method, login.api_url)
        if not (login.consumer_key and login.consumer_secret):
            raise LoginError("DISCOGS_CONSUMER_KEY and DISCOGS_CONSUMER_SECRET are required (register an "
                             "application at https://www.discogs.com/settings/developers and put them in .env)", 2)

    def _call(self, path, client, method="GET"):
        url = self.login.api_url.rstrip("/") + path
        headers = {"User-Agent": self.login.user_agent, "Authorization": oauth.authorization(client, url, method)}
        if method == "POST":
            headers["Content-Type"] = oauth.FORM_CONTENT_TYPE  # an empty form: nothing more to sign
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            body = exc.read()
            message = error_message(_Body(body)) if body[:1] == b"{" else (body.decode("utf-8", "replace").strip()
                                                                          or exc.reason)
            raise LoginError(f"Discogs refused {path} (HTTP {exc.code}: {message})", 4) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LoginError(f"cannot reach {self.login.api_url}: {reason}", 1) from None

    def _client(self, token=None, token_secret=None, verifier=None, callback=None):
        login = self.login
        return oauth.client(login.consumer_key, login.consumer_secret, token, token_secret, self.method,
                            verifier=verifier, callback=callback)

    def request_token(self):
        answer = dict(parse_qsl(self._call("/oauth/request_token", self._client(callback=oauth.OOB))))
        if not answer.get("oauth_token") or not answer.get("oauth_token_secret"):
            raise LoginError("Discogs answered /oauth/request_token without a token")
        return answer["oauth_token"], answer["oauth_token_secret"]

    def authorize_url(self, token):
        return f"{self.login.authorize_url}?{urlencode({'oauth_token': token})}"

    def access_token(self, token, token_secret, verifier):
        client = self._client(token, token_secret, verifier=verifier)
        answer = dict(parse_qsl(self._call("/oauth/access_token", client, "POST")))
        if not answer.get("oauth_token") or not answer.get("oauth_token_secret"):
            raise LoginError("Discogs answered /oauth/access_token without a token")
        return answer["oauth_token"], answer["oauth_token_secret"]

    def identity(self, token, token_secret):
        body = self._call("/oauth/identity", self._client(token, token_secret))
        try:
            return json.loads(body)["username"]
        except (ValueError, KeyError, TypeError):
            raise LoginError("Discogs answered /oauth/identity without a username") from None


class _Body:
    """What :func:`error_message` reads from a response."""

    def __init__(self, body):
        self.body = body


def run(login: Login, read=input, say=print, env_path=None, keyring=False):
    """The whole flow; returns ``(username, where the token was saved)``. ``read`` asks the user
    for the verifier; ``keyring`` saves to the system keyring instead of ``.env``."""
    flow = Flow(login)
    token, token_secret = flow.request_token()
    say("Open this page, sign in to Discogs and authorise the application:")
    say(f"  {flow.authorize_url(token)}")
    verifier = read("Then paste the code Discogs shows you: ").strip()
    if not verifier:
        raise LoginError("no verifier given: run scrapy discogs_login again", 2)
    access, access_secret = flow.access_token(token, token_secret, verifier)
    username = flow.identity(access, access_secret)
    where = save({"DISCOGS_OAUTH_TOKEN": access, "DISCOGS_OAUTH_TOKEN_SECRET": access_secret}, env_path, keyring,
                 say)
    say(f"Authorised as {username}. DISCOGS_OAUTH_TOKEN and DISCOGS_OAUTH_TOKEN_SECRET saved to {described(where)}; "
        "every API request is now signed as this user.")
    return username, where


def described(where):
    return f"{where} (readable by you only)" if isinstance(where, Path) else where


def save(values, env_path=None, keyring=False, say=print):
    """Keep ``values`` in the system keyring (``keyring``) or the ``.env`` file; returns the
    ``.env`` path, or the keyring in words.

    A value the ``.env`` file (or the environment) also holds would win over the keyring's: the
    user is told so, and nothing is deleted for them.
    """
    if not keyring:
        return write_env(env_path or env_file(), values)
    try:
        backend = credentials.store(values)
    except RuntimeError as exc:
        raise LoginError(str(exc), 1) from None
    shadowed = [name for name in values if os.environ.get(name)]
    if shadowed:
        say(f"Note: {', '.join(shadowed)} also set in the environment or .env, which wins over the keyring: "
            "remove it there.")
    return f"the system keyring ({backend}, service {credentials.SERVICE!r})"
