"""Honest exits: every input refused in one line before a request, every interruption non-zero and
resumable, and resumed runs that never trust what changed under them.

Each row is a case an adversarial run found ending in a traceback, or in exit 0 with work left
undone or listings that are still for sale marked unavailable.
"""

import json
import re
import signal
import sqlite3
import subprocess
import threading
import urllib.request

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from tests import forkserver
from tests.integration.crawling import ROOT, TOKEN, api_requests, crawl, crawl_command, logical_snapshot, rows
from tests.integration.inprocess import crawl_in_process

pytestmark = pytest.mark.timeout(300)

# 8 pages (the interrupted and checkpointed runs stop in them) over 30 releases: its releases are
# requested once paging is over, so their number only makes each of the file's full harvests
# longer (300 took ~4.5 s more of the file's CPU, issue 12).
SELLER = "synthetic-800-30"
SMALL = "synthetic-150-60"
FAST_RETRIES = {"DISCOGS_RETRY_TIMES": "2", "DISCOGS_RETRY_BACKOFF_BASE": "0.05", "DISCOGS_RETRY_BACKOFF_MAX": "0.2"}

# --- refused before the crawl: one line, exit 2, not one request --------------------------------

# name -> (spider, arguments, -s settings (None: left out), environment, start of the error line)
BAD_INPUT = {
    "headroom equal to the limit": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_RATE_HEADROOM": "100"}, {},
                                    "error: DISCOGS_RATE_HEADROOM (100) must be below DISCOGS_RATE_LIMIT (100)"),
    "retries below 0": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_RETRY_TIMES": "-1"}, {},
                        "error: DISCOGS_RETRY_TIMES must be >= 0, not '-1'"),
    "period nan": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_RATE_PERIOD": "nan"}, {},
                   "error: DISCOGS_RATE_PERIOD must be a finite number, not 'nan'"),
    "period inf": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_RATE_PERIOD": "inf"}, {},
                   "error: DISCOGS_RATE_PERIOD must be a finite number, not 'inf'"),
    "period from the environment": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_RATE_PERIOD": None},
                                    {"DISCOGS_RATE_PERIOD": "abc"}, "error: DISCOGS_RATE_PERIOD 'abc' is not a number"),
    "staleness from the environment": ("seller_inventory", [f"seller={SMALL}"], {},
                                       {"STALENESS_MAX_AGE_DAYS": "soon"},
                                       "error: STALENESS_MAX_AGE_DAYS 'soon' is not a number"),
    "lock timeout from the environment": ("seller_inventory", [f"seller={SMALL}"], {},
                                          {"DATABASE_LOCK_TIMEOUT": "-1"},
                                          "error: DATABASE_LOCK_TIMEOUT must be >= 0, not -1.0"),
    "resume age from the environment": ("seller_inventory", [f"seller={SMALL}"], {},
                                        {"INVENTORY_RESUME_MAX_AGE_HOURS": "nan"},
                                        "error: INVENTORY_RESUME_MAX_AGE_HOURS must be a finite number"),
    "page size 0": ("seller_inventory", [f"seller={SMALL}"], {"DISCOGS_PER_PAGE": "0"}, {},
                    "error: DISCOGS_PER_PAGE must be >= 1, not '0'"),
    "a switch that is neither on nor off": ("seller_inventory", [f"seller={SMALL}"],
                                            {"DISCOGS_BUDGET_ENABLED": "maybe"}, {},
                                            "error: DISCOGS_BUDGET_ENABLED must be on or off"),
    "a superscript digit as an id": ("release", ["ids=²"], {}, {},
                                     "error: ids: '²' is not a Discogs release id"),
    "an id beyond the API's range": ("release", [f"ids={10 ** 30}"], {}, {},
                                     f"error: ids: '{10 ** 30}' is not a Discogs release id"),
    "an unknown spider": ("sellers", [f"seller={SMALL}"], {}, {},
                          "error: no spider named 'sellers'; the spiders are " + ", ".join(sorted(
                              SpiderLoader.from_settings(get_project_settings()).list()))),
}


# Run as ``scrapy crawl`` processes, so that exit 2 is also checked as the shell sees it, with settings
# read from a new process's environment and a spider name looked up by Scrapy's command line; the other
# cases run the same crawl command in this process (tests/integration/inprocess.py), each refused by the
# same check either way.
AS_PROCESSES = {"period from the environment", "an unknown spider"}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_before_any_request(module_sandbox, tmp_path, case):
    spider, arguments, settings, env, line = BAD_INPUT[case]
    since = len(module_sandbox.log())
    run = crawl if case in AS_PROCESSES else crawl_in_process
    result = run(spider, module_sandbox, tmp_path / "x.db", *arguments, settings=settings, env=env, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith(line), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert api_requests(module_sandbox, since) == []


def test_an_unwritable_feed_is_one_line_before_any_request(module_sandbox, tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    since = len(module_sandbox.log())
    result = crawl_in_process("seller_inventory", module_sandbox, tmp_path / "x.db", f"seller={SMALL}",
                              feed=tmp_path / "notes.txt" / "listings.json", timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.error_lines == [
        f"error: feed {tmp_path}/notes.txt/listings.json cannot be written: {tmp_path}/notes.txt is not a folder"]
    assert api_requests(module_sandbox, since) == []


# --- interrupted: non-zero, one line with what is left and how to resume, then resumed -------------

def interrupt(sandbox, database, how):
    """Start a harvest of SELLER with slow pages; interrupt it (``sigint`` or ``jsonrpc``) after page 3."""
    sandbox.faults(slow_rate=1.0, slow_seconds=0.3, path_regex="/inventory$")
    settings = {"LOG_LEVEL": "DEBUG", "JSONRPC_ENABLED": "1" if how == "jsonrpc" else "0", "JSONRPC_PORT": "0"}
    command, env = crawl_command("seller_inventory", sandbox, database, f"seller={SELLER}", settings=settings)
    process = forkserver.popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)
    lines, done, answers = [], threading.Event(), []

    def watch():
        url, pages = None, 0
        for line in process.stderr:
            lines.append(line)
            listening = re.search(r"JSON-RPC listening on (http://\S+)", line)
            url = listening.group(1) if listening else url
            if "Crawled (200) <GET" in line and "/inventory?" in line:
                pages += 1
                if pages == 3 and not done.is_set():
                    done.set()
                    if how == "sigint":
                        process.send_signal(signal.SIGINT)
                    else:  # from another thread: this one must keep draining stderr meanwhile
                        caller = threading.Thread(target=lambda: answers.extend(
                            [close_spider(url, "finished"), close_spider(url, None)]), daemon=True)
                        caller.start()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        watcher.join(timeout=10)
        sandbox.faults()
    assert done.is_set(), "the harvest ended before it could be interrupted"
    return process.returncode, "".join(lines), answers


def close_spider(url, reason):
    params = ["seller_inventory"] + ([reason] if reason else [])
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "close_spider", "params": params}).encode()
    request = urllib.request.Request(f"{url}/crawler/engine", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def reference(module_sandbox, tmp_path_factory):
    database = tmp_path_factory.mktemp("reference") / "clean.db"
    # Rows to compare with, nothing about the process: crawled in this one.
    result = crawl_in_process("seller_inventory", module_sandbox, database, f"seller={SELLER}")
    assert result.returncode == 0, result.stderr[-2000:]
    return logical_snapshot(database)


@pytest.mark.parametrize("how, reason", [("sigint", "shutdown"), ("jsonrpc", "closed_by_jsonrpc")])
def test_an_interrupted_harvest_exits_6_saying_what_is_left_and_resumes(module_sandbox, reference, tmp_path, how,
                                                                        reason):
    database = tmp_path / "interrupted.db"
    status, stderr, answers = interrupt(module_sandbox, database, how)
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert status == 6, stderr[-3000:]
    assert len(errors) == 1 and errors[0].startswith(f"error: harvest stopped before its end ({reason}): "), errors
    assert re.search(r"\d+ of 8 inventory pages not fetched; resume with: scrapy crawl seller_inventory "
                     f"-a seller={SELLER} ", errors[0]), errors[0]
    if how == "jsonrpc":  # "finished" would have recorded a partial run as finished
        assert answers[0]["error"]["code"] == -32602 and answers[1]["result"]["reason"] == reason
    assert rows(database, "SELECT finish_reason FROM harvest_runs") == [{"finish_reason": reason}]

    # The resume is about the rows it leaves: in this process (the exit above was a process's).
    result = crawl_in_process("seller_inventory", module_sandbox, database, f"seller={SELLER}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert logical_snapshot(database) == reference


# --- resumed runs trust only what still holds --------------------------------------------------

def leave_checkpoint(sandbox, database, pages_kept, run=crawl):
    """An interrupted run that stored pages 1..pages_kept: the next page fails every retry. ``run``:
    a process (:func:`crawl`, the exit status as the shell sees it), or :func:`crawl_in_process`."""
    sandbox.faults(error_rate=1.0, error_codes=[503], path_regex="/inventory$",
                   query_regex=rf"(^|&)page={pages_kept + 1}(&|$)")
    try:
        result = run("seller_inventory", sandbox, database, f"seller={SELLER}", settings=FAST_RETRIES)
    finally:
        sandbox.faults()
    assert result.returncode == 5, result.stderr[-2000:]
    assert rows(database, "SELECT COUNT(*) AS n FROM inventory_pages") == [{"n": pages_kept}]


def test_a_corrupted_checkpoint_page_is_fetched_again(module_sandbox, reference, tmp_path):
    database = tmp_path / "corrupted.db"
    leave_checkpoint(module_sandbox, database, 3)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE inventory_pages SET body = '{\"pagination\": {\"pa' WHERE page = 2")
    since = len(module_sandbox.log())
    result = crawl("seller_inventory", module_sandbox, database, f"seller={SELLER}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    pages = [r["query"] for r in api_requests(module_sandbox, since) if r["path"].endswith("/inventory")]
    assert len(pages) == 7, result.stderr[-5000:]  # page 1 replayed; 2 (corrupted) and all after it fetched
    assert logical_snapshot(database) == reference


def listed(sandbox, seller):
    """Listing ids the sandbox lists now."""
    ids, url = [], f"{sandbox.url}/users/{seller}/inventory?per_page=100&page=1"
    while url:
        request = urllib.request.Request(url, headers={"User-Agent": "discogs-harvest-tests/1.0",
                                                       "Authorization": f"Discogs token={TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.load(response)
        ids += [listing["id"] for listing in page["listings"]]
        url = page["pagination"]["urls"].get("next")
    return set(ids)


def test_a_seller_that_changed_between_the_interrupted_run_and_its_resume(module_sandbox, tmp_path):
    database = tmp_path / "changed.db"
    # The checkpoint is what matters here; the exit 5 of a process is checked by the test above.
    leave_checkpoint(module_sandbox, database, 3, run=crawl_in_process)
    before = listed(module_sandbox, SELLER)
    stored = sorted(r["listing_id"] for r in rows(database, "SELECT listing_id FROM collection_items"))
    sold = stored[10:40]  # listings of pages 1-3 sold since: later listings move to earlier pages
    try:
        module_sandbox.mutate(SELLER, drop=sold)
        # The resume's rows and log line are the point: in this process.
        result = crawl_in_process("seller_inventory", module_sandbox, database, f"seller={SELLER}")
        still_listed = listed(module_sandbox, SELLER)
    finally:
        module_sandbox.reset()
    assert still_listed == before - set(sold)
    assert result.returncode == 0, result.stderr[-3000:]
    availability = {r["listing_id"]: r["is_available"] for r in rows(
        database, "SELECT listing_id, is_available FROM collection_items")}
    assert {i for i, available in availability.items() if available} == still_listed
    assert {i for i, available in availability.items() if not available} == set(sold)
    assert "disagree with page 4 fetched now" in result.stderr


# --- secrets a server echoes back ---------------------------------------------------------------

def test_a_token_echoed_in_pagination_urls_is_stored_and_logged_nowhere(module_sandbox, tmp_path):
    database = tmp_path / "echo.db"
    module_sandbox.faults(rewrite_rate=1.0, rewrite="echo_token", path_regex="/inventory$")
    try:
        result = crawl("seller_inventory", module_sandbox, database, f"seller={SMALL}",
                       settings={"LOG_LEVEL": "DEBUG", "INVENTORY_RESUME_MAX_AGE_HOURS": "0"})
        echoed = [r["query"] for r in api_requests(module_sandbox)]
    finally:
        module_sandbox.faults()
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any("token" in query for query in echoed)  # never followed with the token in the URL
    assert TOKEN not in result.stderr and TOKEN not in result.stdout
    assert TOKEN not in database.read_bytes().decode("latin-1")
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    assert TOKEN not in dump


def test_a_token_echoed_in_a_401_message_is_not_printed(module_sandbox, tmp_path):
    module_sandbox.faults(rewrite_rate=1.0, rewrite="unauthorized_echo", path_regex="/inventory$")
    try:
        result = crawl("seller_inventory", module_sandbox, tmp_path / "x.db", f"seller={SMALL}",
                       settings={"LOG_LEVEL": "DEBUG"})
    finally:
        module_sandbox.faults()
    assert result.returncode == 4, result.stderr[-3000:]
    assert result.error_lines == [
        "error: Discogs refused the credentials (HTTP 401: Invalid consumer token [secret]. Please check it.); "
        "check DISCOGS_TOKEN in .env"]
    assert TOKEN not in result.stderr
