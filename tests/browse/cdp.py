"""A headless Chromium driven over the DevTools protocol (aiohttp's WebSocket client), enough to
load one page, collect its console errors and read values out of it.

The system's Chromium (Debian's ``chromium`` package, installed by ``.ci/run``), never a
downloaded one. Every host name but 127.0.0.1 resolves to nothing, so a page can reach nothing
outside the machine.
"""

import asyncio
import json
import re
import shutil
import subprocess
import tempfile

import aiohttp

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--metrics-recording-only", "--no-pings", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--remote-debugging-port=0",
)


def find_chromium():
    """``(path, None)`` or ``(None, why it cannot be used)``."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            try:
                subprocess.run([path, "--version"], capture_output=True, timeout=30, check=True)
            except (OSError, subprocess.SubprocessError) as exc:
                return None, f"{path} does not run ({exc})"
            return path, None
    return None, "Chromium is not installed (.ci/run installs Debian's: apt-get install -y chromium)"


class PageReport:
    def __init__(self):
        self.errors = []  # console errors, uncaught exceptions, failed loads
        self.values = None


async def _load(binary, url, expression, timeout):
    profile = tempfile.mkdtemp(prefix="cdp-")
    process = await asyncio.create_subprocess_exec(
        binary, *FLAGS, f"--user-data-dir={profile}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    report = PageReport()
    try:
        ws_url = None
        while ws_url is None:
            line = (await asyncio.wait_for(process.stderr.readline(), timeout)).decode(errors="replace")
            if not line:
                raise RuntimeError("Chromium exited before DevTools listened")
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            ws_url = match.group(1) if match else None
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url, max_msg_size=0) as ws:
            counter = iter(range(1, 1_000_000))
            pending = {}
            loaded = asyncio.Event()

            async def reader():
                async for message in ws:
                    data = json.loads(message.data)
                    if "id" in data and data["id"] in pending:
                        pending.pop(data["id"]).set_result(data)
                        continue
                    method, params = data.get("method"), data.get("params", {})
                    if method == "Page.loadEventFired":
                        loaded.set()
                    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                        report.errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                                  for a in params.get("args", [])))
                    elif method == "Runtime.exceptionThrown":
                        report.errors.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
                    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                        entry = params["entry"]
                        report.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())

            async def call(method, session_id=None, **params):
                number = next(counter)
                future = asyncio.get_running_loop().create_future()
                pending[number] = future
                message = {"id": number, "method": method, "params": params}
                if session_id:
                    message["sessionId"] = session_id
                await ws.send_str(json.dumps(message))
                answer = await asyncio.wait_for(future, timeout)
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

            task = asyncio.create_task(reader())
            target = (await call("Target.createTarget", url="about:blank"))["targetId"]
            sid = (await call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                await call(domain, sid)
            await call("Page.navigate", sid, url=url)
            await asyncio.wait_for(loaded.wait(), timeout)
            await asyncio.sleep(0.5)  # late script errors
            result = await call("Runtime.evaluate", sid, expression=expression, returnByValue=True)
            report.values = result["result"].get("value")
            await call("Browser.close")
            task.cancel()
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return report


def load_page(binary, url, expression, timeout=60):
    """Open ``url``; return its errors and the value of ``expression`` evaluated after load."""
    return asyncio.run(_load(binary, url, expression, timeout))

