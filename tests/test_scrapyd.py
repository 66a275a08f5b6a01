"""Scrapyd out of the box: a real Scrapyd on loopback, the project's egg, a harvest scheduled.

The node is a temporary folder: Scrapyd's own ``scrapyd.conf`` (a free port, short poll), and
the node's ``.env`` holding the token. The egg is built with ``scrapyd-deploy --build-egg``
(what ``make deploy`` uploads) and uploaded to ``addversion.json``; a seller harvest against
the sandbox is scheduled through ``schedule.json`` with its spider argument and settings, and
``listjobs.json`` is polled until it finishes. No ``DATABASE_URL`` is given: the rows land in
the default database outside a project (the user data folder), not in the working directory.
The token never appears in Scrapyd's log, its jobs' logs or any process's arguments; a
pre-crawl error appears in the job's own log.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.crawling import ROOT

pytestmark = [pytest.mark.timeout(300), pytest.mark.sandbox]

BIN = Path(sys.executable).parent
PROJECT = "discogs_harvest"
TOKEN = "sandbox-token"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def node(tmp_path):
    """A running Scrapyd in ``tmp_path``; yields ``(url, folder, scrapyd process)``."""
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\npoll_interval = 0.5\nmax_proc = 2\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\ndbs_dir = {tmp_path / 'dbs'}\n")
    (tmp_path / ".env").write_text(f"DISCOGS_TOKEN={TOKEN}\n")  # the node's own token
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "PYTHONPATH"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    log = open(tmp_path / "scrapyd.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([str(BIN / "scrapyd")], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "daemonstatus.json", timeout=2).json()["status"] == "ok":
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "scrapyd.log").read_text()
            time.sleep(0.2)
        yield url, tmp_path, process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def build_egg(folder):
    """``scrapyd-deploy --build-egg`` in a copy of the project (it leaves build/ behind)."""
    source = folder / "source"
    for name in ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "discogs_harvest", source / "discogs_harvest",
                    ignore=shutil.ignore_patterns("__pycache__"))
    egg = folder / "discogs_harvest.egg"
    result = subprocess.run([str(BIN / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=source,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return egg


def wait_finished(url, job, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = requests.get(url + "listjobs.json", params={"project": PROJECT}, timeout=5).json()
        finished = [entry for entry in jobs["finished"] if entry["id"] == job]
        if finished:
            return finished[0]
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish in {timeout} s")


def process_arguments():
    """Every process's command line on this machine, as text."""
    lines = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return lines


def test_scrapy_cfg_has_a_deploy_target():
    result = subprocess.run([str(BIN / "scrapyd-client"), "targets"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "http://127.0.0.1:6800/" in result.stdout, result.stdout + result.stderr


def test_a_harvest_deployed_and_scheduled_on_scrapyd(node, sandbox_factory):
    url, folder, _ = node
    sandbox = sandbox_factory("--window", "1", "--limit-auth", "100")
    with open(build_egg(folder), "rb") as egg:
        answer = requests.post(url + "addversion.json", data={"project": PROJECT, "version": "1"},
                               files={"egg": ("project.egg", egg)}, timeout=60).json()
    assert answer["status"] == "ok" and answer["spiders"] >= 2, answer
    assert {"seller_inventory", "release"} <= set(
        requests.get(url + "listspiders.json", params={"project": PROJECT}, timeout=30).json()["spiders"])

    schedule = {"project": PROJECT, "spider": "seller_inventory", "seller": "brotherlogic",
                "setting": [f"DISCOGS_API_URL={sandbox.url}", "DISCOGS_RATE_PERIOD=1", "DISCOGS_RATE_LIMIT=100"]}
    job = requests.post(url + "schedule.json", data=schedule, timeout=30).json()["jobid"]
    seen_arguments = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # the job's process arguments while it runs
        seen_arguments += [line for line in process_arguments() if job in line]
        jobs = requests.get(url + "listjobs.json", params={"project": PROJECT}, timeout=5).json()
        if any(entry["id"] == job for entry in jobs["finished"]):
            break
        time.sleep(0.3)
    finished = wait_finished(url, job)

    job_log = (folder / "logs" / PROJECT / "seller_inventory" / f"{job}.log").read_text()
    assert "Inventory of brotherlogic complete: 322 listings" in job_log
    database = folder / "data" / "discogs-harvest" / "discogs.db"  # the default, outside a project
    with sqlite3.connect(database) as connection:
        listings = connection.execute("SELECT COUNT(*) FROM collection_items").fetchone()[0]
        albums = connection.execute("SELECT COUNT(*) FROM albums WHERE fetched_at IS NOT NULL").fetchone()[0]
    assert (listings, albums) == (322, 320)
    assert not (folder / "data" / "discogs.db").exists()
    assert finished["spider"] == "seller_inventory"

    # A pre-crawl error: one line in the job's own log (its stderr goes to the daemon's log).
    bad = requests.post(url + "schedule.json", data={"project": PROJECT, "spider": "seller_inventory",
                                                     "seller": "bad name"}, timeout=30).json()["jobid"]
    wait_finished(url, bad)
    bad_log = (folder / "logs" / PROJECT / "seller_inventory" / f"{bad}.log").read_text()
    assert "error: seller 'bad name' is not a Discogs username or seller URL" in bad_log

    daemon_log = (folder / "scrapyd.log").read_text()
    assert f"job='{job}'" in daemon_log  # the launcher logged the job's arguments here
    assert seen_arguments  # the job's process was seen while it ran
    for text in (daemon_log, job_log, bad_log, *seen_arguments):
        assert TOKEN not in text
