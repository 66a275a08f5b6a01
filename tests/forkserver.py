"""Processes forked from one warm interpreter: how the suite starts its sandboxes and its
``python -m scrapy`` commands.

A :class:`~discogs_harvest.sandbox.process.SandboxProcess` is ``python -u -m <module> --port 0
...``: a new interpreter that imports aiohttp and the sandbox before it serves, about 0.25 s of
CPU, and ``make test`` starts some 80 of them. A ``python -m scrapy crawl ...`` imports Scrapy,
Twisted, peewee and the project before it does anything, about 0.45 s of the 0.6 s a ``scrapy
list`` costs, and the suite starts some 70 Scrapy commands for their exit statuses, signals,
kills and concurrent runs (issue 12). Here a worker's first such process starts a fork server
instead (``python -m tests.forkserver GROUP SOCKET``; one for sandboxes, one for Scrapy
commands, so a sandbox does not carry Scrapy), which imports those modules once and freezes
them (:func:`gc.freeze`: the children's collections neither walk nor copy them); every process
after that is an ``os.fork()`` of it that runs the same ``-m`` module as ``__main__``
(:func:`runpy.run_module`) with the same arguments, environment, working folder and
``sys.path[0]``, its standard streams the pipes or files the test gave (passed over a UNIX
socket with :func:`socket.send_fds`). A Scrapy command ends as a new interpreter would: an
exception or ``sys.exit()`` leaves through the interpreter's own exit (threads joined, ``atexit``
run, streams flushed, objects finalised: its SQLite connections close). A sandbox ends at once
once its streams are flushed (:func:`os._exit`), as it always has here. The same idea as
:mod:`multiprocessing`'s forkserver start method with its preload list (Python docs,
``set_forkserver_preload``), for processes that are not multiprocessing targets.

Each process is forked twice: the server forks a waiter, the waiter forks the process and reports
its pid and then its wait status on the test's connection, so :class:`ForkedProcess` has the
exit code a :class:`subprocess.Popen` would have (a negative signal number when killed). The
waiter kills the process when the test's end of the connection closes first (the worker died),
and the server exits when the worker that started it has gone (it checks every second).

What differs from a new interpreter: the modules are imported before the process's environment
and working folder are set, so a module that reads either at import would read the server's;
none of those preloaded does (the settings module, which reads ``.env``, is never preloaded:
the Scrapy server refuses to start if it or Twisted's reactor got imported, and the commands
then run as new interpreters).
``random`` is reseeded in every child (``os.register_at_fork``, done by the random module
itself). Tests that are about a command's start-up (``tests/test_preload.py``,
``tests/sandbox/test_process.py``), the README's commands and ``make demo`` start new interpreters.

In the tests: :func:`run` and :func:`popen` take :func:`subprocess.run`'s and
:class:`subprocess.Popen`'s arguments (the ones the suite uses) and fork ``python [-u] -m
scrapy ...`` when ``tests/conftest.py`` has set :data:`SERVER`; anything else, or no server,
goes to :mod:`subprocess` unchanged.
"""

import gc

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
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What every sandbox imports before it serves (the modules SandboxProcess and its subclasses run).
SANDBOX_PRELOAD = ("discogs_harvest.sandbox.__main__", "discogs_harvest.sandbox.youtube",
                   "discogs_harvest.sandbox.foreign")
# What a Scrapy command imports: Scrapy's engine and command line, and every module of the project
# but the ones that read the environment or the working folder at import (settings), run as
# scripts (__main__, demo) or are not a crawl's (browse: Datasette; the sandbox).
SCRAPY_PRELOAD = ("scrapy.cmdline", "scrapy.crawler", "scrapy.core.engine", "scrapy.core.scraper",
                  "scrapy.core.downloader.handlers.http11", "scrapy.extensions.feedexport", "scrapy.commands.crawl")
NOT_PRELOADED = ("discogs_harvest.settings", "discogs_harvest.demo", "discogs_harvest.browse",
                 "discogs_harvest.sandbox", ".__main__")
# Modules that must not be in a Scrapy command's process before it starts.
NEVER_SHARED = ("discogs_harvest.settings", "twisted.internet.reactor")
FORKED_MODULES = ("scrapy",)  # the ``-m`` modules run() and popen() fork
# The Popen arguments a fork takes; a call with any other goes to subprocess.
FORK_ARGUMENTS = {"env", "cwd", "stdin", "stdout", "stderr", "text", "encoding", "errors"}
MAX_REQUEST = 1 << 20
SERVER = None  # the worker's Scrapy ForkServer, set by tests/conftest.py; None: run() and popen() use subprocess


class ForkedProcess:
    """The part of :class:`subprocess.Popen` the suite uses, for a forked process."""

    def __init__(self, args, pid, status, stdin=None, stdout=None, stderr=None):
        self.args = args
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode = None
        self._status = status  # the waiter's connection: the wait status comes on it

    def poll(self):
        return self.wait(timeout=0, raise_timeout=False)

    def wait(self, timeout=None, raise_timeout=True):
        if self.returncode is None:
            ready, _, _ = select.select([self._status], [], [], timeout)
            if not ready:
                if raise_timeout:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                return None
            line = read_line(self._status)
            self._status.close()
            # No status: the waiter itself was killed; the process is gone or going with it.
            self.returncode = os.waitstatus_to_exitcode(int(line)) if line else -signal.SIGKILL
        return self.returncode

    def communicate(self, input=None, timeout=None):
        """``(stdout, stderr)`` read to the end (None where not a pipe), ``input`` written first."""
        results = {}

        def read(name, stream):
            results[name] = stream.read()
            stream.close()

        threads = [threading.Thread(target=read, args=(name, stream), daemon=True)
                   for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)) if stream is not None]
        for thread in threads:
            thread.start()
        if self.stdin is not None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(timeout)
        return results.get("stdout"), results.get("stderr")

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

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None:
                stream.close()
        self.wait()


class ForkServer:
    """Starts a fork server of ``group`` ("sandbox": SandboxProcess's launcher; "scrapy") on first
    use and asks it for processes."""

    def __init__(self, group="sandbox"):
        self.group = group
        self.folder = None
        self.path = None  # the server's socket, in folder
        self.process = None
        self.refused = None  # why the server could not start: its processes go to subprocess
        # Two threads forking at once (test_claims_crawl's two harvests) start one server: without
        # it the second saw the first's process before its socket's path was set, and connected to None.
        self.starting = threading.Lock()

    @staticmethod
    def available():
        return hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="forkserver-")
        path = os.path.join(self.folder, "socket")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-m", "tests.forkserver", self.group, path], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            self.stop()
            if ready.startswith("refused"):
                self.refused = ready
                return
            raise RuntimeError(f"the fork server did not start: {ready!r}")
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
        """A running ``python -u -m module *args`` (forked), its stdout readable as text (SandboxProcess)."""
        return self.fork(module, args, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)

    def fork(self, module, args, env=None, cwd=None, stdin=None, stdout=None, stderr=None, text=False,
             encoding=None, errors=None):
        """``python -m module *args`` forked, its streams as :class:`subprocess.Popen` takes them
        (None: this process's); None if the server refused to start."""
        with self.starting:
            if self.refused:
                return None
            if self.process is None or self.process.poll() is not None:
                self.start()
                if self.refused:
                    return None
        text = text or encoding is not None or errors is not None
        ours, theirs = {}, []  # our ends by name; the child's fds 0, 1 and 2, in order
        try:
            for target, name, spec in ((0, "stdin", stdin), (1, "stdout", stdout), (2, "stderr", stderr)):
                if spec is None:  # inherited, as subprocess does: this process's own
                    fd = os.dup(target)
                elif spec == subprocess.STDOUT and name == "stderr":
                    fd = os.dup(theirs[1])
                elif spec == subprocess.PIPE:
                    read, write = os.pipe()
                    fd, ours[name] = (read, write) if name == "stdin" else (write, read)
                elif spec == subprocess.DEVNULL:
                    fd = os.open(os.devnull, os.O_RDWR)
                else:
                    fd = os.dup(spec if isinstance(spec, int) else spec.fileno())
                theirs.append(fd)
            # One line of JSON (its newlines escaped): the connection stays open both ways, so the
            # waiter knows this end has gone when it reads the end of it.
            request = json.dumps({"module": module, "args": list(map(str, args)),
                                  "env": dict(os.environ if env is None else env), "cwd": str(cwd or os.getcwd())})
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(self.path)
                socket.send_fds(connection, [request.encode() + b"\n"], theirs)
                first = read_line(connection)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            for fd in ours.values():
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        if not first.isdigit():
            connection.close()
            for fd in ours.values():
                os.close(fd)
            raise RuntimeError(f"the fork server did not fork {module}: {first!r}")
        streams = {}
        for name, fd in ours.items():
            mode = "w" if name == "stdin" else "r"
            streams[name] = (io.open(fd, mode, encoding=encoding, errors=errors) if text
                             else io.open(fd, mode + "b"))
        return ForkedProcess([sys.executable, "-m", module, *args], int(first), connection, **streams)


def read_line(connection):
    """One line from ``connection``, read a byte at a time (a buffered reader could take the next
    line too, which ``select`` would then never see coming); "" at its end."""
    line = b""
    while not line.endswith(b"\n"):
        byte = connection.recv(1)
        if not byte:
            break
        line += byte
    return line.decode().strip()


def forkable(argv):
    """``(module, args)`` of a ``python [-u] -m module ...`` the Scrapy server forks, else None."""
    argv = [str(arg) for arg in argv] if isinstance(argv, (list, tuple)) else None
    if not argv or argv[0] != sys.executable:
        return None
    rest = argv[1:]
    if rest[:1] == ["-u"]:
        rest = rest[1:]
    if len(rest) < 2 or rest[0] != "-m" or rest[1] not in FORKED_MODULES:
        return None
    return rest[1], rest[2:]


def popen(argv, **kwargs):
    """:class:`subprocess.Popen`, forked from the worker's server where it can be."""
    found = forkable(argv)
    if SERVER is not None and found and kwargs.keys() <= FORK_ARGUMENTS:
        process = SERVER.fork(*found, **kwargs)
        if process is not None:
            return process
    return subprocess.Popen(argv, **kwargs)


def run(argv, *, input=None, capture_output=False, timeout=None, check=False, **kwargs):
    """:func:`subprocess.run`, forked from the worker's server where it can be (:func:`popen` decides)."""
    if capture_output:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    with popen(argv, **kwargs) as process:
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    if check and process.returncode:
        raise subprocess.CalledProcessError(process.returncode, argv, out, err)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


# --- the server -------------------------------------------------------------------------


def preload(group):
    """Import what the ``group``'s processes import; a reason when the processes must not be
    forked (an import failed, or brought a module that must not be shared), else None."""
    if group == "sandbox":
        for name in SANDBOX_PRELOAD:
            __import__(name)
        return None
    import pkgutil

    import discogs_harvest

    try:
        for name in SCRAPY_PRELOAD:
            __import__(name)
        for found in pkgutil.walk_packages(discogs_harvest.__path__, "discogs_harvest."):
            if not any(found.name.startswith(prefix) or found.name.endswith(prefix) for prefix in NOT_PRELOADED):
                __import__(found.name)
    except Exception as exc:  # noqa: BLE001 - said to the test, which runs the commands itself
        return f"preloading failed: {exc!r}"
    shared = sorted(set(NEVER_SHARED) & sys.modules.keys())
    return f"preloading imported {', '.join(shared)}" if shared else None


def become(group, request, fds):
    """In the forked process: set up as ``python -m module *args`` would be, then run it. Never
    returns: a Scrapy command's end (an exception, ``sys.exit()``, or falling off) leaves the
    interpreter; a sandbox's leaves the process once its streams are flushed."""
    for name in ("SIGCHLD", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True, errors="backslashreplace")
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # As the interpreter starts: the working folder first (-m), then PYTHONPATH's entries.
    extra = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry and entry not in sys.path]
    sys.path[:1] = [request["cwd"], *extra]
    sys.argv = [request["module"], *request["args"]]
    if group == "scrapy":
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        raise SystemExit(0)
    code = 1
    try:
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
            except Exception:  # noqa: BLE001 - a closed pipe: nothing more to say
                pass
        os._exit(code)


def wait_for(pid, connection):
    """In the waiter: report ``pid`` and then its wait status; kill it if the test goes first."""
    connection.sendall(f"{pid}\n".encode())
    watched = os.pidfd_open(pid)
    ready, _, _ = select.select([watched, connection], [], [])
    if watched not in ready:  # the test's end closed (the worker died): do not leave it running
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    try:
        connection.sendall(f"{status}\n".encode())
    except OSError:
        pass


def serve(group, path):
    refused = preload(group)
    if refused:
        print(f"refused: {refused}", flush=True)
        return
    gc.freeze()  # what is loaded now stays out of the children's collections (and is not copied by them)
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the waiters
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
            data, fds, _, _ = socket.recv_fds(connection, MAX_REQUEST, 3)
            while not data.endswith(b"\n"):
                more = connection.recv(MAX_REQUEST)
                if not more:
                    break
                data += more
            request = json.loads(data)
            if os.fork() == 0:  # the waiter
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                connection.settimeout(None)
                pid = os.fork()
                if pid == 0:
                    connection.close()
                    become(group, request, fds)
                for fd in fds:
                    os.close(fd)
                wait_for(pid, connection)
                os._exit(0)
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    serve(*sys.argv[1:])
