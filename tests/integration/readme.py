"""Runs the README's commands as written: what ``test_readme.py`` and ``test_readme_sandbox.py`` share.

The commands are read from the README's fenced blocks, in order, and run in a scratch folder (the
project found through ``SCRAPY_SETTINGS_MODULE``, the database and feeds in the scratch ``data/``),
as a newcomer would type them:

- a line that starts a sandbox (``make sandbox``, ``python -m discogs_harvest.sandbox ...``) starts it
  in the background with the README's options, on a free port instead of 8765 (other runs may hold
  that one; every ``127.0.0.1:8765`` in later lines is rewritten to the port taken); a section's
  sandbox is stopped at the end of the section, or when the next one starts;
- ``export NAME=value ...`` sets those variables for the lines after it in the section;
- any other line runs in ``bash``, with the environment of a fresh shell (no ``DISCOGS_*``,
  ``DATABASE_URL`` or ``LOG_LEVEL``); it fails the check when it exits non-zero, when the sandbox
  answered any request with 429 (the README's settings must fit its windows), or when it names a
  feed (``-O``/``-o FILE``) that ends up without a row.

Nothing reaches the real API: the Harvesting section's own first block points the commands at a
sandbox, and a command that runs without a sandbox fails the check.

:func:`run_section` runs one section from a fresh folder (no database, no environment from another
section); the two sections are two test files so that pytest-xdist's ``--dist loadfile`` can run them
on two workers at once.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from discogs_harvest.sandbox.process import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]
README_PORT = "8765"
SECTIONS = ("Harvesting", "The sandbox")  # each with its ### subsections
COMMAND_TIMEOUT = 240


def sections(text):
    """``{"## title": [fenced block text, ...]}`` for the level-2 sections, subsections included."""
    found, current, block, lines = {}, None, False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if block and current is not None:
                found[current].append("\n".join(lines))
            block, lines = not block, []
            continue
        if block:
            lines.append(line)
        elif line.startswith("## "):
            current = line[3:].strip()
            found.setdefault(current, [])
    return found


def commands(block):
    """Lines of a block, with backslash continuations joined."""
    joined, pending = [], ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line and not line.startswith("#"):
            joined.append(line)
    return joined


def readme_commands():
    found = sections((ROOT / "README.md").read_text(encoding="utf-8"))
    return [(title, [command for block in found[title] for command in commands(block)]) for title in SECTIONS]


def sandbox_args(words):
    """The sandbox options of a README line that starts one (``make sandbox`` as the Makefile runs it)."""
    if words[:2] == ["make", "sandbox"]:
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        recipe = re.search(r"^sandbox:.*\n\t(.*)$", makefile, re.M).group(1)
        words = shlex.split(recipe.replace("$(PY)", "python"))
    args = words[words.index("discogs_harvest.sandbox") + 1:]
    if "&" in args:
        args = args[:args.index("&")]
    # The README's port is replaced by a free one: SandboxProcess passes --port 0 itself.
    while "--port" in args:
        i = args.index("--port")
        del args[i:i + 2]
    return args


def feeds(words):
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-O", "-o")]


def rows_in(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return len(json.loads(text or "[]"))
    if path.suffix == ".csv":
        return max(0, len(text.splitlines()) - 1)
    return len(text.splitlines())


class Newcomer:
    """Runs README lines in a scratch folder, keeping the environment ``export`` builds up."""

    def __init__(self, folder):
        self.folder = folder
        (folder / "data").mkdir()
        (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCOGS_", "DATABASE_URL", "LOG_LEVEL"))}
        base.update(
            SCRAPY_SETTINGS_MODULE="discogs_harvest.settings",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            PATH=os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")]),
            # The README's default (data/discogs.db in the working folder), named explicitly.
            DATABASE_URL=f"sqlite:///{folder / 'data' / 'discogs.db'}",
        )
        self.env = base
        self.sandbox = None
        self.seen = 0  # the sequence number of the last request the sandbox logged
        self.transcript = []

    def port(self, text):
        if self.sandbox is None:
            return text
        return text.replace(f"127.0.0.1:{README_PORT}", self.sandbox.url.split("//", 1)[1])

    def start_sandbox(self, args):
        self.stop_sandbox()
        self.sandbox = SandboxProcess(*args).start()
        self.seen = 0

    def stop_sandbox(self):
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    def run(self, line):
        words = shlex.split(line, comments=True)
        if "discogs_harvest.sandbox" in words or words[:2] == ["make", "sandbox"]:
            self.start_sandbox(sandbox_args(words))
            return
        if words[0] == "export":
            for assignment in words[1:]:
                name, _, value = assignment.partition("=")
                self.env[name] = self.port(value)
            return
        assert self.sandbox is not None, f"{line!r} would run without a sandbox (against the real API)"
        # Only these lines talk to the section's sandbox (its control routes are not logged), so the
        # requests of the line are those after the last one the previous line saw: the log is read
        # from there, not whole before every line (thousands of entries by the end of a section).
        since = self.seen
        for feed in feeds(words):
            (self.folder / feed).unlink(missing_ok=True)
        result = subprocess.run(["bash", "-c", self.port(line)], cwd=self.folder, env=self.env,
                                capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        served = [entry for entry in self.sandbox.log(since) if entry["seq"] > since]
        self.seen = served[-1]["seq"] if served else since
        self.transcript.append(f"$ {line}\n  exit {result.returncode}, {len(served)} requests")
        assert result.returncode == 0, f"{line}\nexit {result.returncode}\n{result.stderr[-3000:]}"
        refused = [entry for entry in served if entry["status"] == 429]
        assert not refused, f"{line}\n{len(refused)} answers were 429\n{result.stderr[-3000:]}"
        for feed in feeds(words):
            path = self.folder / feed
            assert path.exists() and rows_in(path) > 0, f"{line}\nfeed {feed} has no rows\n{result.stderr[-2000:]}"


def run_section(folder, title):
    """Every command of the README section ``title``, in order, from the fresh ``folder``."""
    newcomer = Newcomer(folder)
    try:
        for line in dict(readme_commands())[title]:
            newcomer.run(line)
    finally:
        newcomer.stop_sandbox()
        print("\n".join(newcomer.transcript))
