"""Acting as the shop owner: the OAuth login end to end, a signed harvest of the owner's whole
inventory, the export, and the ways each can fail (one line, nothing stored lost).

Every crawl runs from the owner's project folder, credentials from its ``.env``. The login, the
signed harvest after it and the rejected signature are processes (what they print, secrets left
out, is the point); the crawls checked by their rows, requests, log lines and refusals before a
request run the same command in this process (``owner_crawl_in_process``).
"""

import os
import re
import shutil
import stat
import subprocess

import pytest

from discogs_harvest.inventory_export import EXPORT_LACKS

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.sellers import STATUS_MIX
from tests import forkserver
from tests.integration.crawling import api_requests, logical_snapshot, rows
from tests.integration.owner import (CONSUMER, OAUTH_SECRET, OAUTH_TOKEN, OWNER_ARGS, SHOP, environment,
                                     owner_crawl, owner_crawl_in_process, project, scrapy_command,
                                     without_export_lacks)

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]
STATUSES = {status for status, _ in STATUS_MIX}
FALLBACK = re.compile(r"WARNING: Inventory export of \S+ did not work: .*; paging through the inventory instead")


@pytest.fixture(scope="module")
def owner_sandbox():
    with SandboxProcess(*OWNER_ARGS) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def harvested(owner_sandbox, tmp_path_factory):
    """The owner's inventory harvested once by paging: (project folder, database, its rows)."""
    folder = project(tmp_path_factory.mktemp("shop"), **CONSUMER, DISCOGS_OAUTH_TOKEN=OAUTH_TOKEN,
                     DISCOGS_OAUTH_TOKEN_SECRET=OAUTH_SECRET)
    database = folder / "discogs.db"
    result = owner_crawl_in_process(folder, owner_sandbox, database, f"seller={SHOP}")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, database, logical_snapshot(database)


def test_login_then_a_signed_harvest_of_the_whole_inventory(owner_sandbox, tmp_path):
    folder = project(tmp_path / "shop", **CONSUMER)
    login = forkserver.popen(
        scrapy_command("discogs_login", sandbox=owner_sandbox,
                       settings={"DISCOGS_AUTHORIZE_URL": owner_sandbox.url + "/oauth/authorize"}),
        cwd=folder, env=environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        printed = []
        while not any("oauth_token=" in line for line in printed):
            line = login.stdout.readline()
            assert line, "".join(printed) + login.stderr.read()
            printed.append(line)
        request_token = printed[-1].strip().split("oauth_token=")[1]
        verifier = owner_sandbox.authorize(request_token, SHOP)  # the user says yes on the web page
        stdout, stderr = login.communicate(verifier + "\n", timeout=60)
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
    stdout = "".join(printed) + stdout

    assert login.returncode == 0, stderr
    env_file = folder / ".env"
    assert stat.S_IMODE(os.stat(env_file).st_mode) == 0o600
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert set(values) == {*CONSUMER, "DISCOGS_OAUTH_TOKEN", "DISCOGS_OAUTH_TOKEN_SECRET"}
    token, secret = values["DISCOGS_OAUTH_TOKEN"], values["DISCOGS_OAUTH_TOKEN_SECRET"]
    assert f"Authorised as {SHOP}" in stdout and secret not in stdout + stderr and token not in stdout + stderr

    since = owner_sandbox.log()[-1]["seq"]
    database, feed = folder / "discogs.db", folder / "listings.json"
    result = owner_crawl(folder, owner_sandbox, database, f"seller={SHOP}", settings={"LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.stderr[-3000:]

    spent = api_requests(owner_sandbox, since)
    assert len(spent) == 1 + 4 + 150  # who am I, 4 pages, 150 releases: nothing else
    assert {(r["auth"], r["signed"], r["status"]) for r in spent} == {("oauth", "HMAC-SHA1", 200)}
    stored = rows(database, "SELECT status, is_available, location, external_id, weight FROM collection_items")
    assert len(stored) == 400 and {r["status"] for r in stored} == STATUSES
    assert all(r["is_available"] == (r["status"] == "For Sale") for r in stored)
    assert all(r["location"] and r["external_id"] and r["weight"] for r in stored)
    everything = result.stderr + result.stdout + "\n".join(map(repr, rows(database, "SELECT * FROM harvest_runs")))
    assert "Crawled (200)" in everything and secret not in everything and token not in everything
    assert not feed.exists() or secret not in feed.read_text()


def test_the_export_gives_the_rows_paging_gave(owner_sandbox, harvested, tmp_path):
    folder, _, paged = harvested
    owner_sandbox.exports(delay=0.5, outcome="success")
    database = tmp_path / "export.db"
    since = owner_sandbox.log()[-1]["seq"]
    result = owner_crawl_in_process(folder, owner_sandbox, database, f"seller={SHOP}", "via=export")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Inventory export of {SHOP}: 400 listings in one file" in result.stderr
    exported = logical_snapshot(database)
    # Every row equal, but for the columns an export CSV has no field for: NULL by export.
    lacking = set(EXPORT_LACKS)
    assert all(value is None for row in exported["collection_items"] for name, value in row if name in lacking)
    assert without_export_lacks(exported) == without_export_lacks(paged)
    paths = [r["path"] for r in api_requests(owner_sandbox, since)]
    # Who am I, the export (queued, a few polls 0.2 s apart, the download), one listing for the seller
    # object, the releases: no inventory paging.
    assert paths.count(f"/users/{SHOP}/inventory") == 1 and paths.count("/oauth/identity") == 1
    assert 3 <= sum(p.startswith("/inventory/export") for p in paths) <= 8
    assert sum(p.startswith("/releases/") for p in paths) == 150


def copy_of(database, tmp_path):
    copy = tmp_path / "discogs.db"
    shutil.copy(database, copy)
    return copy


def test_a_rejected_signature_is_one_line_and_loses_nothing(owner_sandbox, harvested, tmp_path):
    folder, database, before = harvested
    wrong = project(tmp_path / "wrong", **CONSUMER, DISCOGS_OAUTH_TOKEN=OAUTH_TOKEN,
                    DISCOGS_OAUTH_TOKEN_SECRET="not-the-secret")
    copy = copy_of(database, tmp_path)
    since = owner_sandbox.log()[-1]["seq"]
    result = owner_crawl(wrong, owner_sandbox, copy, f"seller={SHOP}")
    assert result.returncode == 4
    assert result.error_lines == [
        "error: Discogs refused the credentials (HTTP 401: You must authenticate to access this resource.); "
        "check DISCOGS_OAUTH_TOKEN and DISCOGS_OAUTH_TOKEN_SECRET in .env (run scrapy discogs_login again)"]
    # One request, refused, and nothing after it. (A 429 before it is the window the test before
    # this one filled, with the same token: the crawl waits it out and asks again.)
    answered = [r for r in api_requests(owner_sandbox, since) if r["status"] != 429]
    assert [(r["path"], r["auth"], r["signed"], r["status"]) for r in answered] == [
        ("/oauth/identity", "bad", "bad signature", 401)]
    assert logical_snapshot(copy) == before
    assert "not-the-secret" not in result.stderr + result.stdout


@pytest.mark.parametrize("plan, settings, why", [
    ({"delay": 0, "expire_after": 0}, {}, "expired (404)"),
    ({"delay": 0.2, "outcome": "never"}, {"DISCOGS_EXPORT_TIMEOUT": "1"}, "still 'in progress' after"),
    ({"delay": 0.2, "outcome": "failure"}, {}, "ended with status 'failure'"),
], ids=["expired", "never-finishes", "fails"])
def test_an_export_that_does_not_work_falls_back_to_paging(owner_sandbox, harvested, tmp_path, plan, settings,
                                                           why):
    folder, database, before = harvested
    owner_sandbox.exports(**{"outcome": "success", **plan})
    copy = copy_of(database, tmp_path)
    result = owner_crawl_in_process(folder, owner_sandbox, copy, f"seller={SHOP}", "via=export", settings=settings)
    assert result.returncode == 0, result.stderr[-3000:]
    notices = FALLBACK.findall(result.stderr)
    assert len(notices) == 1 and why in notices[0], result.stderr[-3000:]
    assert logical_snapshot(copy) == before


def test_export_is_for_your_own_inventory_only(owner_sandbox, harvested, tmp_path):
    folder, _, _ = harvested
    result = owner_crawl_in_process(folder, owner_sandbox, tmp_path / "other.db", "seller=synthetic-300-100",
                                    "via=export")
    assert result.returncode == 2
    assert result.error_lines == [f"error: via=export reads only your own inventory: authenticated as '{SHOP}', "
                                  "not 'synthetic-300-100'"]


@pytest.mark.parametrize("method, url, message", [
    ("RSA-SHA1", None, "error: DISCOGS_OAUTH_SIGNATURE_METHOD 'RSA-SHA1' is not one of HMAC-SHA1, PLAINTEXT"),
    ("PLAINTEXT", "http://api.example.org", "error: DISCOGS_OAUTH_SIGNATURE_METHOD PLAINTEXT sends the secrets as "
                                            "they are: only over https (DISCOGS_API_URL is not)"),
])
def test_a_signature_method_discogs_would_not_take_is_refused_before_the_crawl(owner_sandbox, harvested, tmp_path,
                                                                               method, url, message):
    folder, _, _ = harvested
    settings = {"DISCOGS_OAUTH_SIGNATURE_METHOD": method, **({"DISCOGS_API_URL": url} if url else {})}
    since = owner_sandbox.log()[-1]["seq"]
    result = owner_crawl_in_process(folder, owner_sandbox, tmp_path / "never.db", f"seller={SHOP}", settings=settings)
    assert (result.returncode, result.error_lines) == (2, [message])
    assert api_requests(owner_sandbox, since) == [] and not (tmp_path / "never.db").exists()
