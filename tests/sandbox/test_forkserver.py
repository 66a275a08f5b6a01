"""The suite's fork server (tests/forkserver.py): a forked sandbox is a sandbox, a forked
``python -m scrapy`` command is that command."""

import os
import signal
import subprocess
import sys
import time

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.youtube import OembedStandInProcess
from tests import forkserver
from tests.forkserver import ROOT, ForkServer
from tests.sandbox.client import get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60),
              pytest.mark.skipif(not ForkServer.available(), reason="needs pidfd_open and send_fds")]


@pytest.fixture
def server(monkeypatch):
    launcher = ForkServer()
    monkeypatch.setattr(SandboxProcess, "launcher", launcher)
    yield launcher
    launcher.stop()


def test_forked_sandboxes_serve_with_their_own_arguments_and_stop_on_sigterm(server):
    with SandboxProcess("--window", "3") as first, SandboxProcess("--window", "5", "--limit-auth", "7") as second:
        assert first.url != second.url
        assert {first._proc.pid, second._proc.pid}.isdisjoint({os.getpid(), server.process.pid})
        assert get(first, "/releases/249504").status == 200
        assert second.configure()["limit_auth"] == 7 and first.configure()["window"] == 3
        proc = second._proc
    assert proc.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)


def test_a_forked_sandbox_that_cannot_start_says_why(server):
    with pytest.raises(RuntimeError, match="window must be > 0"):
        SandboxProcess("--window", "0").start()


def test_a_stand_in_module_is_forked_too(server):
    with OembedStandInProcess() as stand_in:
        assert stand_in._proc.pid != os.getpid()
        assert get(stand_in, "/oembed?url=https://www.youtube.com/watch?v=dQw4w9WgXcQ&format=json").status == 200


def test_a_killed_fork_server_is_started_again(server):
    with SandboxProcess():
        pass
    first = server.process.pid
    os.kill(first, signal.SIGKILL)
    server.process.wait(timeout=10)
    with SandboxProcess() as sandbox:
        assert get(sandbox, "/releases/249504").status == 200
    assert server.process.pid != first


# --- python -m scrapy commands -------------------------------------------------------------

SCRAPY = [sys.executable, "-m", "scrapy"]


@pytest.fixture(scope="module")
def scrapy_launcher():
    launcher = ForkServer("scrapy")  # its preload is most of a forked command's cost: once for the file
    yield launcher
    launcher.stop()


@pytest.fixture
def scrapy_server(scrapy_launcher, monkeypatch):
    monkeypatch.setattr(forkserver, "SERVER", scrapy_launcher)
    return scrapy_launcher


def test_a_forked_command_reads_its_own_environment_and_folder(scrapy_server, tmp_path):
    """The settings module is imported in the command's process, not the server's: each sees
    its own DATABASE_URL, and a command run from another folder finds that folder's .env."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "scrapy.cfg").write_text("[settings]\ndefault = discogs_harvest.settings\n")
    (folder / ".env").write_text(f"DATABASE_URL=sqlite:///{folder}/from-env.db\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    answers = []
    for cwd, environment in ((ROOT, {**env, "DATABASE_URL": "sqlite:////tmp/first.db"}), (folder, env)):
        process = forkserver.popen([*SCRAPY, "settings", "--get", "DATABASE_URL"], cwd=cwd, env=environment,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert isinstance(process, forkserver.ForkedProcess)
        out, err = process.communicate(timeout=60)
        answers.append((process.returncode, out.strip(), err))
    assert answers[0][:2] == (0, "sqlite:////tmp/first.db"), answers[0][2]
    assert answers[1][:2] == (0, f"sqlite:///{folder}/from-env.db"), answers[1][2]


def test_a_forked_command_exits_with_its_own_status_and_streams(scrapy_server):
    """A refused crawl: exit 2 and its one error line on stderr, as from a new interpreter."""
    argv = [*SCRAPY, "crawl", "release", "-a", "ids=abc", "-s", "JSONRPC_ENABLED=0"]
    forked = forkserver.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    fresh = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert forked.returncode == fresh.returncode == 2
    error = [line for line in forked.stderr.splitlines() if line.startswith("error:")]
    assert error == [line for line in fresh.stderr.splitlines() if line.startswith("error:")] and len(error) == 1
    assert forked.stdout == fresh.stdout


def test_a_killed_forked_command_reports_the_signal_and_input_reaches_it(scrapy_server):
    """``scrapy shell`` waits on its standard input: killed, its status is -SIGKILL as Popen's is;
    given input, it reads it (and ends at its end)."""
    argv = [*SCRAPY, "shell", "-s", "LOG_LEVEL=ERROR", "-s", "JSONRPC_ENABLED=0", "-s", "SHELL=python"]
    process = forkserver.popen(argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert isinstance(process, forkserver.ForkedProcess)
    assert process.pid not in (os.getpid(), scrapy_server.process.pid)
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.5)
    process.kill()
    assert process.wait(timeout=30) == -signal.SIGKILL
    process.stdin.close()
    process.stdout.close()
    answered = forkserver.run(argv, cwd=ROOT, input="print(6 * 7)\n", capture_output=True, text=True, timeout=60)
    assert answered.returncode == 0 and "42" in answered.stdout, answered.stderr


def test_a_forked_command_is_killed_when_its_test_lets_go(scrapy_server):
    """The waiter kills a command whose test closed its end (a worker that died) instead of leaving it."""
    process = forkserver.popen([*SCRAPY, "shell", "-s", "SHELL=python"], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = process.pid
    process._status.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the forked command outlived its test's connection")
    process.stdin.close()


def test_what_is_not_a_scrapy_command_runs_as_a_new_interpreter(scrapy_server):
    result = forkserver.run([sys.executable, "-c", "import sys; print('scrapy' in sys.modules)"],
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout.strip()) == (0, "False")
    assert forkserver.forkable([sys.executable, "-u", "-m", "scrapy", "list"]) == ("scrapy", ["list"])
    assert forkserver.forkable(["scrapy", "list"]) is None
    unforked = forkserver.popen([sys.executable, "-m", "scrapy", "version"], cwd=ROOT, stdout=subprocess.PIPE,
                                close_fds=True)  # an argument a fork does not take
    assert isinstance(unforked, subprocess.Popen) and unforked.communicate(timeout=60)[0].startswith(b"Scrapy")
