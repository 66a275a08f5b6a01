"""An owner's whole inventory (every status) and the inventory export job."""

import csv
import io
import json
import time

import pytest

from discogs_harvest.sandbox.export import EXPORT_COLUMNS, Exports, Job
from discogs_harvest.sandbox.sellers import STATUS_MIX
from tests.sandbox.client import get

pytestmark = pytest.mark.sandbox
SHOP = "shop-600-200"


@pytest.fixture
def owner(sandbox_factory):
    return sandbox_factory("--token", f"owner-token={SHOP}", "--window", "1", "--limit-auth", "1000")


def statuses(sandbox, token, status="All"):
    found = []
    for page in range(1, 7):
        reply = get(sandbox, f"/users/{SHOP}/inventory?status={status}&per_page=100&page={page}", token=token)
        if reply.status == 404:
            break
        found += [listing["status"] for listing in reply.json()["listings"]]
    return found


def test_only_the_owner_sees_every_status(owner):
    mine = statuses(owner, "owner-token")
    assert len(mine) == 600 and set(mine) == {status for status, _ in STATUS_MIX}
    theirs = statuses(owner, "sandbox-token")
    assert theirs == ["For Sale"] * mine.count("For Sale")
    assert statuses(owner, "owner-token", "Sold") == ["Sold"] * mine.count("Sold")
    assert statuses(owner, "sandbox-token", "Sold") == []


def post(sandbox, path, token):
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request("POST", path, headers={"User-Agent": "tests/1.0", "Authorization": f"Discogs token={token}"})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_an_export_job_goes_from_pending_to_a_download(owner):
    owner.exports(delay=0.6)
    status, headers, body = post(owner, "/inventory/export", "owner-token")
    assert status == 200 and headers["Location"].startswith(owner.url + "/inventory/export/")
    job_path = headers["Location"][len(owner.url):]
    # Queued: the answer describes the job as it is at that instant (a GET that came later could
    # already find it in progress on a loaded machine: when is not what this test is about).
    seen = [json.loads(body)["status"]]
    while seen[-1] in ("pending", "in progress"):  # the test's timeout bounds this
        time.sleep(0.05)
        job = get(owner, job_path, token="owner-token").json()
        seen.append(job["status"])
    assert seen[0] == "pending" and seen[-1] == "success" and job["download_url"].endswith("/download")
    assert seen == sorted(seen, key=["pending", "in progress", "success"].index)  # never backwards
    assert get(owner, job_path, token="sandbox-token").status == 404  # another user's job
    reply = get(owner, job["download_url"], token="owner-token")
    assert reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 600
    assert {row["status"] for row in rows} == {status for status, _ in STATUS_MIX}


@pytest.mark.parametrize(("elapsed", "outcome", "status"), [
    (0, "success", "pending"), (0.49, "success", "pending"), (0.5, "success", "in progress"),
    (0.99, "success", "in progress"), (1, "success", "success"), (1, "failure", "failure"),
    (3600, "never", "in progress")])
def test_a_job_is_pending_for_half_its_delay_then_in_progress_until_it_ends(elapsed, outcome, status):
    exports = Exports(catalog=None)
    exports.configure(delay=1, outcome=outcome)
    job = Job(1, SHOP, 1000.0, exports.plan)
    assert exports.status(job, now=1000.0 + elapsed) == status


@pytest.mark.parametrize("plan, final", [({"outcome": "failure"}, "failure"), ({"outcome": "never"}, "in progress")])
def test_jobs_that_fail_or_never_finish(owner, plan, final):
    owner.exports(delay=0.1, **plan)
    _, headers, _ = post(owner, "/inventory/export", "owner-token")
    time.sleep(0.2)
    job = get(owner, headers["Location"], token="owner-token").json()
    assert (job["status"], job["download_url"]) == (final, None)
    assert get(owner, headers["Location"] + "/download", token="owner-token").status == 404


def test_an_expired_file_is_gone(owner):
    owner.exports(delay=0, expire_after=0)
    _, headers, _ = post(owner, "/inventory/export", "owner-token")
    time.sleep(0.05)
    assert get(owner, headers["Location"], token="owner-token").json()["status"] == "success"
    assert get(owner, headers["Location"] + "/download", token="owner-token").status == 404


def test_only_a_user_with_an_inventory_may_export(owner):
    assert post(owner, "/inventory/export", "sandbox-token")[0] == 404  # user "sandbox" sells nothing
    assert post(owner, "/inventory/export", "")[0] == 401
