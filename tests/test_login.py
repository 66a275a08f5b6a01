"""The login module without Scrapy: .env written safely, the flow's errors as one line."""

import os
import stat

import pytest

from discogs_harvest.login import Flow, Login, LoginError, run, write_env


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_env_file_is_readable_by_its_owner_only(tmp_path):
    path = write_env(tmp_path / ".env", {"DISCOGS_OAUTH_TOKEN": "t", "DISCOGS_OAUTH_TOKEN_SECRET": "s"})
    assert mode(path) == 0o600
    assert path.read_text() == "DISCOGS_OAUTH_TOKEN=t\nDISCOGS_OAUTH_TOKEN_SECRET=s\n"


def test_other_lines_are_kept_and_old_values_replaced(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# mine\nDISCOGS_CONSUMER_KEY=k\nDISCOGS_OAUTH_TOKEN=old\nexport LOG_LEVEL=DEBUG\n")
    os.chmod(path, 0o644)
    write_env(path, {"DISCOGS_OAUTH_TOKEN": "new", "DISCOGS_OAUTH_TOKEN_SECRET": "s"})
    assert path.read_text() == ("# mine\nDISCOGS_CONSUMER_KEY=k\nDISCOGS_OAUTH_TOKEN=new\nexport LOG_LEVEL=DEBUG\n"
                                "DISCOGS_OAUTH_TOKEN_SECRET=s\n")
    assert mode(path) == 0o600  # an existing world-readable .env is tightened, not left as it was
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left behind


def login(url="http://127.0.0.1:9", **changes):
    values = dict(api_url=url, authorize_url=url + "/oauth/authorize", consumer_key="sandbox-key",
                  consumer_secret="sandbox-secret", user_agent="tests/1.0")
    values.update(changes)
    return Login(**values)


def test_no_consumer_key_is_a_one_line_error():
    with pytest.raises(LoginError, match="DISCOGS_CONSUMER_KEY and DISCOGS_CONSUMER_SECRET are required") as info:
        Flow(login(consumer_secret=""))
    assert info.value.status == 2


def test_an_unreachable_api_is_one_line():
    with pytest.raises(LoginError, match=r"^cannot reach http://127.0.0.1:9: "):
        Flow(login()).request_token()


@pytest.mark.sandbox
def test_the_whole_flow_against_the_sandbox(sandbox, tmp_path):
    said = []

    def read(prompt):
        url = said[-1].strip()
        assert url.startswith(sandbox.url + "/oauth/authorize?oauth_token=")
        return sandbox.authorize(url.split("oauth_token=")[1], "shop-300-100")

    username, path = run(login(sandbox.url), read=read, say=said.append, env_path=tmp_path / ".env")
    assert username == "shop-300-100" and mode(path) == 0o600
    values = dict(line.split("=", 1) for line in path.read_text().splitlines())
    assert set(values) == {"DISCOGS_OAUTH_TOKEN", "DISCOGS_OAUTH_TOKEN_SECRET"}
    assert not any(values["DISCOGS_OAUTH_TOKEN_SECRET"] in line for line in said)
    assert [(e["path"], e["status"], e["auth"], e["signed"]) for e in sandbox.log()] == [
        ("/oauth/request_token", 200, "oauth", "HMAC-SHA1"), ("/oauth/access_token", 200, "oauth", "HMAC-SHA1"), ("/oauth/identity", 200, "oauth", "HMAC-SHA1")]


@pytest.mark.sandbox
def test_a_wrong_consumer_secret_is_refused(sandbox):
    with pytest.raises(LoginError, match=r"Discogs refused /oauth/request_token \(HTTP 401: You must authenticate"):
        Flow(login(sandbox.url, consumer_secret="wrong")).request_token()


@pytest.mark.sandbox
def test_a_wrong_verifier_is_refused(sandbox, tmp_path):
    with pytest.raises(LoginError, match=r"/oauth/access_token \(HTTP 401"):
        run(login(sandbox.url), read=lambda prompt: "not-the-code", say=lambda line: None,
            env_path=tmp_path / ".env")
    assert not (tmp_path / ".env").exists()
