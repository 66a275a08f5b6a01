"""``SandboxProcess``: run the sandbox in a child process and talk to it.

The child binds port 0 and prints its URL as the first stdout line; ``start()``
reads that line (a blocking read, no sleeping, no port race), the way Scrapy's
own test mockserver does. Control calls use the stdlib only, so the helper
works from tests, ``make demo`` and benchmarks alike::

    with SandboxProcess("--window", "3", "--limit-auth", "30") as sandbox:
        sandbox.faults(error_rate=0.1, seed=1)
        ...  # crawl sandbox.url
        spent = sandbox.log()
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding discogs_harvest/
USER_AGENT = "discogs-harvest-sandbox-control/1.0"


class SandboxProcess:
    module = "discogs_harvest.sandbox"  # run as ``python -m <module> --port 0``
    # None: a new interpreter each time. The test suite sets an object whose
    # ``launch(module, args, env, stderr)`` returns a running process with the part of
    # subprocess.Popen used below (tests/forkserver.py forks a warm one).
    launcher = None

    def __init__(self, *args: str):
        self.args = [str(arg) for arg in args]
        self.url: str | None = None
        self._proc: subprocess.Popen | None = None
        self._stderr = None

    def start(self) -> "SandboxProcess":
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PROJECT_ROOT, env.get("PYTHONPATH")]))
        self._stderr = tempfile.TemporaryFile()
        if self.launcher is not None:
            self._proc = self.launcher.launch(self.module, ["--port", "0", *self.args], env, self._stderr)
        else:
            self._proc = subprocess.Popen(
                [sys.executable, "-u", "-m", self.module, "--port", "0", *self.args],
                stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True,
            )
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http"):
            try:
                self._proc.wait(timeout=10)  # stdout closed: it is exiting; let stderr be complete
            except subprocess.TimeoutExpired:
                pass
            error = self._read_stderr()
            self.stop()
            raise RuntimeError(f"sandbox did not start: {line!r}\n{error}")
        self.url = line
        return self

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc.stdout.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "User-Agent": USER_AGENT, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def log(self, since: int = 0) -> list[dict]:
        return self._call("GET", f"/_sandbox/log?since={int(since)}")["requests"]

    def configure(self, **kw) -> dict:
        return self._call("POST", "/_sandbox/config", kw)

    def faults(self, **kw) -> dict:
        return self._call("POST", "/_sandbox/faults", kw)

    def mutate(self, seller: str, **kw) -> dict:
        return self._call("POST", f"/_sandbox/sellers/{urllib.parse.quote(seller, safe='')}/mutate", kw)

    def changes(self, seller: str) -> list[dict]:
        """What ``mutate`` changed in ``seller`` since the last reset (its journal)."""
        return self._call("GET", f"/_sandbox/sellers/{urllib.parse.quote(seller, safe='')}/changes")["changes"]

    def clock(self, **kw) -> dict:
        """Freeze (``frozen=True``), advance (``advance=seconds``) or release the rate window's clock."""
        return self._call("POST", "/_sandbox/clock", kw)

    def reset(self) -> dict:
        return self._call("POST", "/_sandbox/reset", {})

    def authorize(self, oauth_token: str, username: str) -> str:
        """The OAuth authorise step as a user would do it: the verifier for ``oauth_token``."""
        return self._call("POST", "/_sandbox/oauth/authorize", {"oauth_token": oauth_token,
                                                                 "username": username})["verifier"]

    def exports(self, **kw) -> dict:
        """How inventory export jobs behave: ``delay``, ``outcome``, ``expire_after``."""
        return self._call("POST", "/_sandbox/exports", kw)

    def consume(self, count: int) -> dict:
        return self._call("POST", "/_sandbox/consume", {"count": count})

    def __repr__(self) -> str:
        return f"SandboxProcess({self.url or 'not started'})"
