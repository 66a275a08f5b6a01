"""``scrapy fetch_dump YYYYMM``: download a month's dump files, resumably, and check them.

Discogs publishes each month's files in the public bucket ``discogs-data-dumps`` under
``data/<YYYY>/discogs_<YYYYMMDD>_<kind>.xml.gz`` with ``discogs_<YYYYMMDD>_CHECKSUM.txt``
(API_FACTS.md §6). Anonymous listing of the bucket is denied, so the month's day is read from
the index page (``DUMP_INDEX_URL``, data.discogs.com) unless given (``YYYYMMDD``).

Each file is downloaded to ``<name>.part``; a run that finds a ``.part`` asks for the rest
with an HTTP ``Range: bytes=<size>-`` request (RFC 9110 §14.2; S3 answers 206) and appends it.
When the file is whole its SHA-256 is compared with CHECKSUM.txt: a match renames it to its
name, a mismatch deletes the ``.part`` (the next run starts that file again) and is one error.

Settings: ``DUMP_BASE_URL``, ``DUMP_INDEX_URL``, ``USER_AGENT``.
"""

import logging
import os
import re
import urllib.error
import urllib.request

from discogs_harvest.dump.checksum import published, sha256_of
from discogs_harvest.exceptions import HarvestConfigError

logger = logging.getLogger(__name__)

BLOCK = 1 << 20
KINDS = ("releases", "masters", "artists", "labels")
TIMEOUT = 60


class FetchError(Exception):
    """A download that could not finish (network); what was received is kept for the next run."""


def _open(url, user_agent, headers=None):
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, **(headers or {})})
    return urllib.request.urlopen(request, timeout=TIMEOUT)


def month_date(month, index_url, user_agent):
    """``YYYYMMDD`` of the month's dump: given, or found on the year's index page."""
    if re.fullmatch(r"\d{8}", month):
        return month
    if not re.fullmatch(r"\d{6}", month):
        raise HarvestConfigError(f"{month!r} is not a month YYYYMM (or a dump date YYYYMMDD)")
    url = index_url.format(year=month[:4])
    try:
        with _open(url, user_agent) as response:
            page = response.read().decode("utf-8", "replace")
    except urllib.error.URLError as exc:
        raise FetchError(f"cannot read the dump index {url}: {exc}") from None
    dates = sorted(set(re.findall(rf"discogs_({month}\d\d)_CHECKSUM\.txt", page)))
    if not dates:
        raise HarvestConfigError(f"no dump for {month} on {url}")
    return dates[-1]


def download(url, path, user_agent):
    """``url`` into ``path`` via ``path.part``, continuing a partial download; returns bytes received."""
    part = path + ".part"
    have = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = _open(url, user_agent, headers)
    except urllib.error.HTTPError as exc:
        if exc.code == 416:  # nothing after what we have: the .part is whole
            return 0
        if exc.code == 404:
            raise HarvestConfigError(f"{url}: not found (404)") from None
        raise FetchError(f"{url}: HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: {exc.reason}") from None
    received = 0
    with response:
        mode = "ab" if have and response.status == 206 else "wb"  # 200: the server sent it all
        if have:
            logger.info("Resuming %s at byte %s (%s)", os.path.basename(path), f"{have:,}",
                        "continued" if mode == "ab" else "the server sent it whole")
        try:
            with open(part, mode) as handle:
                for block in iter(lambda: response.read(BLOCK), b""):
                    handle.write(block)
                    received += len(block)
        except (OSError, urllib.error.URLError) as exc:
            raise FetchError(f"{url}: interrupted after {received:,} bytes ({exc}); run again to continue") \
                from None
    return received


def fetch_month(month, directory, settings, kinds=("releases",)):
    """Download and verify ``kinds`` of the month's dump into ``directory``; returns the paths."""
    user_agent = settings.get("USER_AGENT") or "discogs-harvest"
    base = settings.get("DUMP_BASE_URL").rstrip("/")
    date = month_date(month, settings.get("DUMP_INDEX_URL"), user_agent)
    os.makedirs(directory, exist_ok=True)
    year = date[:4]
    checksum = os.path.join(directory, f"discogs_{date}_CHECKSUM.txt")
    if os.path.exists(checksum + ".part"):
        os.remove(checksum + ".part")
    download(f"{base}/{year}/{os.path.basename(checksum)}", checksum, user_agent)
    os.replace(checksum + ".part", checksum)
    sums = published(checksum)
    paths = []
    for kind in kinds:
        name = f"discogs_{date}_{kind}.xml.gz"
        path = os.path.join(directory, name)
        if name not in sums:
            raise HarvestConfigError(f"{os.path.basename(checksum)} lists no {name}")
        if os.path.exists(path) and sha256_of(path) == sums[name]:
            logger.info("%s: already downloaded and verified", name)
            paths.append(path)
            continue
        received = download(f"{base}/{year}/{name}", path, user_agent)
        digest = sha256_of(path + ".part")
        if digest != sums[name]:
            os.remove(path + ".part")
            raise HarvestConfigError(f"{name}: SHA-256 {digest} does not match the published {sums[name]}; "
                                     "the download was removed, run again to fetch it anew")
        os.replace(path + ".part", path)
        logger.info("%s: %s bytes received, SHA-256 verified", name, f"{received:,}")
        paths.append(path)
    return paths
