"""Generated monthly data dumps: Discogs' releases XML, of any size, from the sandbox's releases.

:func:`release_xml` writes one ``/releases/{id}`` body as the dump's ``<release>`` element
(API_FACTS.md §6, the samples in ``dumps/``): the dump's element order, text as ASCII with
numeric character references (``Dahlb&#228;ck``), carriage returns as ``&#13;``, ``<anv/>`` for
empty values, image URLs empty, and nothing the dump lacks (community, prices, ``year``,
``released_formatted``, ``artists_sort``, dates, track ``type_``: headings are tracks with an
empty position and duration, an index holds ``<sub_tracks>``). Absent ``released``,
``master_id``, ``styles`` and ``videos`` stay absent, as the synthetic bodies draw them.

:func:`write_dump` writes a whole ``discogs_<YYYYMMDD>_releases.xml[.gz]`` of the synthetic
releases ``first .. first + count - 1`` (the ids the sandbox's synthetic sellers list, so a
dump can cover a seller) plus ``discogs_<YYYYMMDD>_CHECKSUM.txt``. The sandbox serves a
generated dump under ``/data/<YYYY>/`` as Discogs' bucket does (``--dump-releases N``).

Run it alone: ``python -m discogs_harvest.sandbox.dumps OUT_DIR COUNT [--first ID] [--gz]``.
"""

import argparse
import gzip
import hashlib
import os
from html import escape

from discogs_harvest.sandbox import generator as gen

DEFAULT_DATE = "20200806"


def _text(value):
    """Element text as the dump writes it: ASCII, XML-escaped, ``\\r`` as ``&#13;``."""
    if value is None:
        return ""
    text = escape(str(value), quote=False).replace("\r", "&#13;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _attr(value):
    text = escape("" if value is None else str(value), quote=True).replace("&#x27;", "'").replace("\r", "&#13;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _el(tag, value):
    text = _text(value)
    return f"<{tag}>{text}</{tag}>" if text else f"<{tag}/>"


def _credit(artist):
    return ("<artist>" + _el("id", artist.get("id")) + _el("name", artist.get("name")) + _el("anv", artist.get("anv"))
            + _el("join", artist.get("join")) + _el("role", artist.get("role")) + _el("tracks", artist.get("tracks"))
            + "</artist>")


def _credits(tag, artists):
    if not artists:
        return ""
    return f"<{tag}>" + "".join(_credit(a) for a in artists) + f"</{tag}>"


def _track(track):
    parts = [_el("position", track.get("position")), _el("title", track.get("title")),
             _el("duration", track.get("duration")), _credits("artists", track.get("artists")),
             _credits("extraartists", track.get("extraartists"))]
    if track.get("sub_tracks"):
        parts.append("<sub_tracks>" + "".join(_track(s) for s in track["sub_tracks"]) + "</sub_tracks>")
    return "<track>" + "".join(parts) + "</track>"


def _attrs(**values):
    return "".join(f' {name}="{_attr(value)}"' for name, value in values.items())


def release_xml(body):
    """One ``<release>`` element (str) holding what the dump holds of an API release body."""
    out = [f'<release id="{body["id"]}" status="{_attr(body.get("status") or "Accepted")}">']
    if body.get("images"):
        out.append("<images>" + "".join(f"<image{_attrs(type=i.get('type'), uri='', uri150='', width=i.get('width'), height=i.get('height'))}/>"
                                          for i in body["images"]) + "</images>")
    out.append(_credits("artists", body.get("artists")))
    out.append(_el("title", body.get("title")))
    out.append("<labels>" + "".join(f"<label{_attrs(name=l.get('name'), catno=l.get('catno'), id=l.get('id'))}/>"
                                    for l in body.get("labels") or ()) + "</labels>")
    out.append(_credits("extraartists", body.get("extraartists")))
    if body.get("series"):
        out.append("<series>" + "".join(f"<series{_attrs(name=e.get('name'), catno=e.get('catno'), id=e.get('id'))}/>"
                                        for e in body["series"]) + "</series>")
    formats = []
    for f in body.get("formats") or ():
        descriptions = "".join(_el("description", d) for d in f.get("descriptions") or ())
        formats.append(f"<format{_attrs(name=f.get('name'), qty=f.get('qty'), text=f.get('text') or '')}>"
                       + (f"<descriptions>{descriptions}</descriptions>" if descriptions else "") + "</format>")
    out.append("<formats>" + "".join(formats) + "</formats>")
    out.append("<genres>" + "".join(_el("genre", g) for g in body.get("genres") or ()) + "</genres>")
    if body.get("styles"):
        out.append("<styles>" + "".join(_el("style", s) for s in body["styles"]) + "</styles>")
    if body.get("country"):
        out.append(_el("country", body["country"]))
    if body.get("released"):
        out.append(_el("released", body["released"]))
    if body.get("notes"):
        out.append(_el("notes", body["notes"]))
    out.append(_el("data_quality", body.get("data_quality")))
    if body.get("master_id"):
        out.append(f'<master_id is_main_release="{"true" if body["id"] % 3 == 0 else "false"}">'
                   f'{body["master_id"]}</master_id>')
    out.append("<tracklist>" + "".join(_track(t) for t in body.get("tracklist") or ()) + "</tracklist>")
    identifiers = body.get("identifiers") or ()
    out.append("<identifiers>" + "".join(
        f"<identifier{_attrs(type=i.get('type'), **({'description': i['description']} if i.get('description') else {}), value=i.get('value'))}/>"
        for i in identifiers) + "</identifiers>" if identifiers else "<identifiers/>")
    if body.get("videos"):
        out.append("<videos>" + "".join(
            f"<video{_attrs(src=v.get('uri'), duration=v.get('duration'), embed='true' if v.get('embed') else 'false')}>"
            + _el("title", v.get("title")) + _el("description", v.get("description")) + "</video>"
            for v in body["videos"]) + "</videos>")
    companies = body.get("companies") or ()
    out.append("<companies>" + "".join(
        "<company>" + _el("id", c.get("id")) + _el("name", c.get("name")) + _el("catno", c.get("catno"))
        + _el("entity_type", c.get("entity_type")) + _el("entity_type_name", c.get("entity_type_name"))
        + _el("resource_url", c.get("resource_url")) + "</company>" for c in companies) + "</companies>"
               if companies else "<companies/>")
    out.append("</release>")
    return "".join(out)


def synthetic_release(release_id):
    return gen.release_body(gen.synthetic_core(release_id))


def file_name(date, kind="releases", gz=True):
    return f"discogs_{date}_{kind}.xml" + (".gz" if gz else "")


def write_dump(directory, count, first=gen.SYNTHETIC_BASE, date=DEFAULT_DATE, gz=True, bodies=None):
    """Write a releases dump of ``count`` synthetic releases (or ``bodies``) and its CHECKSUM.txt;
    returns the dump's path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name(date, gz=gz))
    raw = open(path, "wb")
    stream = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) if gz else raw
    try:
        stream.write(b"<releases>\n")
        source = bodies if bodies is not None else (synthetic_release(first + n) for n in range(count))
        chunk = []
        for body in source:
            chunk.append(release_xml(body))
            if len(chunk) >= 1000:
                stream.write(("\n".join(chunk) + "\n").encode("ascii"))
                chunk = []
        if chunk:
            stream.write(("\n".join(chunk) + "\n").encode("ascii"))
        stream.write(b"</releases>\n")
    finally:
        stream.close()
        raw.close()
    write_checksums(directory, date, [path])
    return path


def write_checksums(directory, date, paths):
    """``discogs_<date>_CHECKSUM.txt``: SHA-256 and name of each file, as Discogs publishes it."""
    lines = []
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()} {os.path.basename(path)}\n")
    checksum = os.path.join(directory, f"discogs_{date}_CHECKSUM.txt")
    with open(checksum, "w", encoding="ascii") as handle:
        handle.writelines(lines)
    return checksum


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write a generated Discogs releases dump")
    parser.add_argument("directory")
    parser.add_argument("count", type=int)
    parser.add_argument("--first", type=int, default=gen.SYNTHETIC_BASE)
    parser.add_argument("--date", default=DEFAULT_DATE)
    parser.add_argument("--gz", action="store_true")
    args = parser.parse_args(argv)
    print(write_dump(args.directory, args.count, args.first, args.date, args.gz))


if __name__ == "__main__":
    main()


# --- the sandbox's bucket: GET /data/<YYYY>/ (index) and /data/<YYYY>/<file> (Range served) --------

BUCKET_PREFIX = "/data/"


class Bucket:
    """A generated month of dumps, written on first request into a temporary directory.

    ``count`` synthetic releases from ``first``, dated ``date`` (YYYYMMDD): the releases file
    (gzip) and its CHECKSUM.txt, under ``/data/<YYYY>/`` as Discogs' bucket keys them.
    """

    def __init__(self, count, first=gen.SYNTHETIC_BASE, date=DEFAULT_DATE):
        self.count, self.first, self.date = count, first, date
        self.directory = None

    def files(self):
        if self.directory is None:
            import tempfile

            directory = tempfile.mkdtemp(prefix="sandbox-dump-")
            write_dump(directory, self.count, self.first, self.date, gz=True)
            self.directory = directory
        return sorted(os.listdir(self.directory))

    def index(self, year):
        """An HTML page linking the year's files, as data.discogs.com lists them."""
        names = self.files() if self.date.startswith(year) else []
        links = "".join(f'<a href="{BUCKET_PREFIX}{year}/{name}">{name}</a>\n' for name in names)
        return f"<html><body>\n{links}</body></html>\n"

    def path(self, year, name):
        if not self.date.startswith(year) or name not in self.files():
            return None
        return os.path.join(self.directory, name)


async def bucket_handler(request):
    """``/data/<YYYY>/`` or ``/data/<YYYY>/<file>`` (aiohttp's FileResponse answers Range requests
    with 206, as S3 does)."""
    from aiohttp import web

    from discogs_harvest.sandbox.app import SANDBOX  # app.py imports this module

    bucket = getattr(request.app[SANDBOX], "bucket", None)
    year, name = request.match_info["year"], request.match_info.get("name", "")
    if bucket is None:
        raise web.HTTPNotFound()
    if not name:
        return web.Response(text=bucket.index(year), content_type="text/html")
    path = bucket.path(year, name)
    if path is None:
        raise web.HTTPNotFound()
    response = web.FileResponse(path)
    await response.prepare(request)  # sends it (206 for a Range), so the log sees the status sent
    return response


def bucket_routes():
    from aiohttp import web

    return [web.get(BUCKET_PREFIX + r"{year:\d{4}}/", bucket_handler),
            web.get(BUCKET_PREFIX + r"{year:\d{4}}/{name}", bucket_handler)]
