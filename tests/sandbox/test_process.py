"""The sandbox as a process: start-up line, the request log, the JSONL log file."""

import json
import re
import subprocess
import sys

import pytest

from discogs_harvest.sandbox.process import PROJECT_ROOT, SandboxProcess
from tests.sandbox.client import UA, get, wait_for

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(30)]



@pytest.fixture(autouse=True)
def new_interpreters(monkeypatch):
    """As make demo and the benchmarks start them: a new interpreter each (not the suite's fork server)."""
    monkeypatch.setattr(SandboxProcess, "launcher", None)


LOG_KEYS = {"seq", "t", "method", "path", "query", "status", "client", "auth", "user_agent", "fault", "signed"}


def test_the_first_stdout_line_is_the_url_and_sigterm_stops_it():
    proc = subprocess.Popen([sys.executable, "-m", "discogs_harvest.sandbox", "--port", "0"], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert proc.poll() is None
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()


def test_sandbox_process_is_a_context_manager():
    with SandboxProcess("--window", "3") as sandbox:
        proc = sandbox._proc
        assert get(sandbox, "/releases/249504").status == 200
    assert proc.poll() is not None and sandbox._proc is None


def test_a_sandbox_that_cannot_start_says_why():
    with pytest.raises(RuntimeError, match="window must be > 0"):
        SandboxProcess("--window", "0").start()


def test_two_processes_serve_the_same_bytes(sandbox, sandbox_factory):
    other = sandbox_factory()
    for path in ("/users/synthetic-300-100/inventory?page=3", "/releases/90000042", "/releases/551582",
                 "/users/SecretSpot.Records/inventory?per_page=100&page=12"):
        mine, theirs = get(sandbox, path).body, get(other, path).body
        assert mine == theirs.replace(other.url.encode(), sandbox.url.encode())


def test_the_log_records_every_discogs_request(sandbox):
    get(sandbox, "/releases/249504?curr_abbr=EUR", ua="harvester/2.0")
    get(sandbox, "/releases/1", token=None)
    get(sandbox, "/releases/249504", token="nope")
    entries = sandbox.log()
    assert all(set(entry) == LOG_KEYS for entry in entries)
    assert [(e["path"], e["query"], e["status"], e["auth"], e["user_agent"], e["fault"]) for e in entries] == [
        ("/releases/249504", "curr_abbr=EUR", 200, "token", "harvester/2.0", None),
        ("/releases/1", "", 404, "none", UA, None),
        ("/releases/249504", "", 401, "bad", UA, None),
    ]
    assert all(e["method"] == "GET" and e["client"] == "127.0.0.1" for e in entries)
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert entries[0]["t"] <= entries[1]["t"] <= entries[2]["t"]
    assert sandbox.log(since=seqs[1]) == entries[2:]


def test_seq_keeps_counting_after_a_reset(sandbox):
    get(sandbox, "/releases/249504")
    last = sandbox.log()[-1]["seq"]
    sandbox.reset()
    assert sandbox.log() == []
    get(sandbox, "/releases/249504")
    assert sandbox.log()[0]["seq"] == last + 1


def test_the_log_file_gets_one_json_line_per_request(sandbox_factory, tmp_path):
    path = tmp_path / "requests.jsonl"
    logged = sandbox_factory("--log", str(path))
    for release_id in (249504, 1, 551582):
        get(logged, f"/releases/{release_id}")
    logged.reset()  # the file keeps everything; only memory is cleared
    lines = wait_for(lambda: (text := path.read_text()).count("\n") == 3 and text.splitlines(), 5)
    assert [json.loads(line)["path"] for line in lines] == ["/releases/249504", "/releases/1", "/releases/551582"]
    assert [json.loads(line)["status"] for line in lines] == [200, 404, 200]


def test_warm_prepares_a_seller_before_the_url_line(sandbox_factory):
    warmed = sandbox_factory("--warm", "synthetic-300-100")
    assert get(warmed, "/users/synthetic-300-100/inventory?per_page=100&page=3").status == 200


def test_it_says_what_to_use_it_with_and_reports_activity(sandbox_factory):
    sandbox = sandbox_factory("--window", "2", "--activity", "0.2")
    for _ in range(3):
        get(sandbox, "/releases/249504")
    lines = wait_for(lambda: (text := sandbox._read_stderr()) and "requests in 0.2 s" in text and text, 10)
    assert f"Discogs sandbox listening on {sandbox.url}" in lines
    assert "token:  sandbox-token" in lines
    assert "window: 60 requests per 2 s with a token, 25 without" in lines
    assert f"-s DISCOGS_API_URL={sandbox.url} -s DISCOGS_RATE_PERIOD=2" in lines
    assert re.search(r"\d\d:\d\d:\d\d  3 requests in 0\.2 s: 3 x 200", lines), lines


def test_help_is_plain_text():
    result = subprocess.run([sys.executable, "-m", "discogs_harvest.sandbox", "--help"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "``" not in result.stdout and ":class:" not in result.stdout
    assert "--window 2" in result.stdout and "--activity SECONDS" in result.stdout
