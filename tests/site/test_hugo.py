"""The site built by Hugo (the project's skeleton, hugo/) and loaded in headless Chromium: the
album index and an album page have their titles, the cover image loads, nothing is logged
as an error. Hugo and Chromium come from the system's packages (.ci/run installs both); where
either is missing the test says so and skips."""

import functools
import http.server
import json
import shutil
import subprocess
import threading

import pytest

from discogs_harvest.commands.site import SKELETON
from discogs_harvest.site.collect import Scope, collect
from discogs_harvest.site.pages import site_pages
from discogs_harvest.site.render import copy_skeleton, write_site
from tests.browse.cdp import find_chromium, load_page
from tests.site.conftest import SELLER

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]

PAGE_STATE = """JSON.stringify({
  title: document.title,
  h1: (document.querySelector('h1') || {}).textContent,
  albums: document.querySelectorAll('ul.albums li').length,
  cover: (() => { const img = document.querySelector('img.cover');
                  return img ? {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0} : null; })()
})"""


def find_hugo():
    path = shutil.which("hugo")
    if path is None:
        return None, "Hugo is not installed (.ci/run installs Debian's: apt-get install -y hugo)"
    return path, None


@pytest.fixture
def served(tmp_path):
    """An HTTP server on 127.0.0.1 for a folder (Hugo's links are root-relative)."""
    servers = []

    def serve(folder):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_hugo_builds_the_site_and_chromium_loads_it(harvest, tmp_path, served):
    hugo, why = find_hugo()
    if hugo is None:
        pytest.skip(why)
    chromium, why = find_chromium()
    if chromium is None:
        pytest.skip(why)
    harvested, *_ = harvest
    output = tmp_path / "site"
    available = {str(p.relative_to(harvested.images)) for p in harvested.images.rglob("*.jpg")}
    pages = site_pages(collect(harvested.url, Scope(seller=SELLER)), available, seller=SELLER)
    write_site(pages, output, harvested.images)
    assert copy_skeleton(SKELETON, output) >= 5
    built = subprocess.run([hugo, "--source", str(output), "--destination", str(tmp_path / "public")],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    base = served(tmp_path / "public")

    index = load_page(chromium, f"{base}/albums/", PAGE_STATE)
    albums = [p for p in pages if p.path.startswith("content/albums/") and not p.path.endswith("_index.md")]
    assert index.errors == []
    assert '"title":"Albums · Record collection"' in index.values and f'"albums":{len(albums)}' in index.values

    album = next(p for p in albums if p.front_matter["cover_image"])
    url = "/" + album.path.removeprefix("content/").removesuffix(".md") + "/"
    report = load_page(chromium, f"{base}{url}", PAGE_STATE)
    assert report.errors == []
    state = json.loads(report.values)
    assert state["title"] == f"{album.front_matter['title']} · Record collection"
    assert state["cover"] == {"src": album.front_matter["cover_image"], "loaded": True}
