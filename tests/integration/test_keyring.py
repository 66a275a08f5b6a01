"""Credentials from the system keyring (credentials.py): no ``.env``, no ``-s``, no environment.

The token is put in a file keyring (``keyrings.alt``'s PlaintextKeyring, chosen with
``PYTHON_KEYRING_BACKEND`` and kept under a temporary ``XDG_DATA_HOME``) by ``scrapy discogs_login
--keyring --token``, as a user on a server would. Then the secrets test's harvest (everything that
could show the token switched on: DEBUG log, feed, database, JSON-RPC answers) runs without any
credential setting: the sandbox, which takes only that token, sees every request authenticated
with it, and the token shows nowhere the secrets test searches.
"""

import sys

import pytest

from discogs_harvest.project import dotenv_files
from discogs_harvest.sandbox.process import SandboxProcess
from tests import forkserver
from tests.integration.crawling import ROOT
from tests.integration.test_secrets import SECRET, SELLER, TOKEN, harvest_with_everything_on

pytestmark = pytest.mark.timeout(90)

FILE_BACKEND = "keyrings.alt.file.PlaintextKeyring"


def use_backend(monkeypatch, name):
    """This process's keyring too (the library reads PYTHON_KEYRING_BACKEND once), restored afterwards."""
    import keyring
    from scrapy.utils.misc import load_object

    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.get_keyring())  # put back at teardown
    keyring.set_keyring(load_object(name)())


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    """A file keyring of its own; the environment every child of the test inherits points at it."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FILE_BACKEND)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    use_backend(monkeypatch, FILE_BACKEND)
    for name in ("DISCOGS_TOKEN", "DISCOGS_CONSUMER_KEY", "DISCOGS_CONSUMER_SECRET", "DISCOGS_OAUTH_TOKEN",
                 "DISCOGS_OAUTH_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data" / "python_keyring" / "keyring_pass.cfg"


def test_a_harvest_authenticates_with_the_keyring_token(file_keyring, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert dotenv_files() == []  # no .env anywhere the settings look

    login = forkserver.run([sys.executable, "-m", "scrapy", "discogs_login", "--keyring", "--token"], cwd=ROOT,
                           input=TOKEN + "\n", capture_output=True, text=True, timeout=60)
    assert login.returncode == 0, login.stderr
    assert f"DISCOGS_TOKEN saved to the system keyring ({FILE_BACKEND}" in login.stdout
    assert SECRET not in login.stdout + login.stderr
    assert file_keyring.is_file() and not (ROOT / ".env").exists()

    with SandboxProcess("--window", "1", "--limit-auth", "100", "--limit-anon", "100",
                        "--token", f"{TOKEN}=someuser") as sandbox:
        (tmp_path / "harvest").mkdir()
        places, _, spent = harvest_with_everything_on(sandbox, tmp_path / "harvest", {}, SELLER)

    # Only the keyring held the token, and the sandbox takes no other credentials.
    assert len(spent) >= 200 and {r["auth"] for r in spent} == {"token"}
    leaks = [place for place, text in places.items() if SECRET in text]
    assert leaks == []


def test_the_environment_wins_over_the_keyring(file_keyring, monkeypatch):
    from discogs_harvest import credentials

    credentials.store({"DISCOGS_TOKEN": "from-keyring", "DISCOGS_OAUTH_TOKEN": "ot", "DISCOGS_OAUTH_TOKEN_SECRET": "os"})
    environment = {"DISCOGS_TOKEN": "from-env"}
    # A whole set in the environment: the keyring is not even read.
    assert credentials.configured(lambda name, default: environment.get(name, default)) == {
        "DISCOGS_TOKEN": "from-env", "DISCOGS_CONSUMER_KEY": "", "DISCOGS_CONSUMER_SECRET": "",
        "DISCOGS_OAUTH_TOKEN": "", "DISCOGS_OAUTH_TOKEN_SECRET": ""}
    # Only the consumer key and secret (login's .env): the OAuth token and secret come from the keyring.
    environment = {"DISCOGS_CONSUMER_KEY": "ck", "DISCOGS_CONSUMER_SECRET": "cs"}
    assert credentials.configured(lambda name, default: environment.get(name, default)) == {
        "DISCOGS_TOKEN": "from-keyring", "DISCOGS_CONSUMER_KEY": "ck", "DISCOGS_CONSUMER_SECRET": "cs",
        "DISCOGS_OAUTH_TOKEN": "ot", "DISCOGS_OAUTH_TOKEN_SECRET": "os"}


def test_no_usable_backend_reads_as_nothing_stored(monkeypatch):
    from discogs_harvest import credentials

    use_backend(monkeypatch, "keyring.backends.fail.Keyring")
    assert credentials.read(credentials.NAMES) == {}
    with pytest.raises(RuntimeError, match="cannot store the credentials"):
        credentials.store({"DISCOGS_TOKEN": "x"})


@pytest.mark.sandbox
def test_the_oauth_login_keeps_its_secrets_in_the_keyring(file_keyring, sandbox, tmp_path):
    """``scrapy discogs_login --keyring``'s flow: the access token and secret go to the keyring,
    no .env is written, and the settings' lookup finds them."""
    import keyring

    from discogs_harvest import credentials
    from discogs_harvest.login import Login, run

    said = []

    def read(prompt):
        return sandbox.authorize(said[-1].strip().split("oauth_token=")[1], "shop-300-100")

    login = Login(api_url=sandbox.url, authorize_url=sandbox.url + "/oauth/authorize", consumer_key="sandbox-key",
                  consumer_secret="sandbox-secret", user_agent="tests/1.0")
    username, where = run(login, read=read, say=said.append, env_path=tmp_path / ".env", keyring=True)
    assert username == "shop-300-100" and not (tmp_path / ".env").exists()
    assert where == f"the system keyring ({FILE_BACKEND}, service 'discogs-harvest')" and where in said[-1]
    secret = keyring.get_password(credentials.SERVICE, "DISCOGS_OAUTH_TOKEN_SECRET")
    assert secret and not any(secret in line for line in said)
    found = credentials.configured(lambda name, default: {"DISCOGS_CONSUMER_KEY": "sandbox-key"}.get(name, default))
    assert found["DISCOGS_OAUTH_TOKEN_SECRET"] == secret and found["DISCOGS_CONSUMER_KEY"] == "sandbox-key"
