"""Sandboxes forked from one warm interpreter: how the suite starts its sandbox processes.

A :class:`~discogs_harvest.sandbox.process.SandboxProcess` is ``python -u -m <module> --port 0
...``: a new interpreter that imports aiohttp and the sandbox before it serves, about 0.25 s of
CPU, and ``make test`` starts some 80 of them (issue 12). Here a worker's first sandbox starts a
fork server instead (``python -m tests.forkserver SOCKET``), which imports those modules once;
every sandbox after that is an ``os.fork()`` of it that runs the same ``-m`` module as
``__main__`` (:func:`runpy.run_module`) with the same arguments, environment and working folder,
its stdout the pipe and its stderr the file the test gave it (both passed over a UNIX socket with
:func:`socket.send_fds`). So the sandbox is the same code in a process of its own, bound to its own
port, stopped by SIGTERM as before; only the interpreter's start-up is shared. The same idea as
:mod:`multiprocessing`'s forkserver start method with its preload list (Python docs,
``set_forkserver_preload``), for a process that is not a multiprocessing target.

What differs from a new interpreter: the sandbox is the fork server's child, not the test's, so
its exit status is not known (:meth:`ForkedSandbox.poll` gives 0 once it has exited, watched
through a pidfd); ``random`` is reseeded in every child (``os.register_at_fork``, done by the
random module itself). ``tests/sandbox/test_process.py`` starts its sandboxes as new interpreters,
the way ``make demo`` and the benchmarks do.

The server exits when the worker that started it has gone (it checks its parent every second).
"""

import io
import json
import os
import runpy
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What every sandbox imports before it serves (the modules SandboxProcess and its subclasses run).
PRELOAD = ("discogs_harvest.sandbox.__main__", "discogs_harvest.sandbox.youtube", "discogs_harvest.sandbox.foreign")
MAX_REQUEST = 1 << 20


class ForkedSandbox:
    """The part of :class:`subprocess.Popen` that SandboxProcess uses, for a forked sandbox."""

    def __init__(self, pid, stdout):
        self.pid = pid
        self.stdout = stdout
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self):
        return self.wait(timeout=0, raise_timeout=False)

    def wait(self, timeout=None, raise_timeout=True):
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                if raise_timeout:
                    raise subprocess.TimeoutExpired(f"sandbox {self.pid}", timeout)
                return None
            self.returncode = 0  # exited; its status went to the fork server
            os.close(self._pidfd)
        return self.returncode

    def send_signal(self, sig):
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


class SandboxForkServer:
    """Starts the fork server on first use and asks it for sandboxes (a SandboxProcess launcher)."""

    def __init__(self):
        self.folder = None
        self.path = None  # the server's socket, in folder
        self.process = None

    @staticmethod
    def available():
        return hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="sandbox-forkserver-")
        path = os.path.join(self.folder, "socket")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-m", "tests.forkserver", path], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            self.stop()
            raise RuntimeError(f"the sandbox fork server did not start: {ready!r}")
        self.path = path

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def launch(self, module, args, env, stderr):
        """A running ``python -m module *args`` (forked), its stdout readable as text."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        read, write = os.pipe()
        try:
            request = json.dumps({"module": module, "args": list(args), "env": dict(env), "cwd": os.getcwd()})
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(self.path)
                socket.send_fds(connection, [request.encode()], [write, stderr.fileno()])
                connection.shutdown(socket.SHUT_WR)
                pid = int(connection.makefile().read())
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        return ForkedSandbox(pid, io.open(read, "r", encoding="utf-8"))


# --- the server -------------------------------------------------------------------------


def child(request, stdout, stderr):
    """In the forked child: become ``python -u -m module *args`` and never return."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.close(stdout)
        os.close(stderr)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [request["module"], *request["args"]]
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def serve(path):
    for name in PRELOAD:
        __import__(name)
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the sandboxes
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    listener.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent:
        try:
            connection, _ = listener.accept()
        except socket.timeout:
            continue
        with connection:
            connection.settimeout(10)
            data, fds, _, _ = socket.recv_fds(connection, MAX_REQUEST, 2)
            while True:
                more = connection.recv(MAX_REQUEST)
                if not more:
                    break
                data += more
            request = json.loads(data)
            pid = os.fork()
            if pid == 0:
                listener.close()
                connection.close()
                child(request, *fds)
            for fd in fds:
                os.close(fd)
            connection.sendall(str(pid).encode())


if __name__ == "__main__":
    serve(sys.argv[1])
