"""The suite's sandbox fork server (tests/forkserver.py): a forked sandbox is a sandbox."""

import os
import signal

import pytest

from discogs_harvest.sandbox.process import SandboxProcess
from discogs_harvest.sandbox.youtube import OembedStandInProcess
from tests.forkserver import SandboxForkServer
from tests.sandbox.client import get

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(60),
              pytest.mark.skipif(not SandboxForkServer.available(), reason="needs pidfd_open and send_fds")]


@pytest.fixture
def server(monkeypatch):
    launcher = SandboxForkServer()
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
