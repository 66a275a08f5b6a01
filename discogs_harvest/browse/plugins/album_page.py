"""Datasette plugin: an album page (``/-/album/<release id>``) and links to it from the ``albums`` titles.

The page reads one album, its tracks, its videos (with their health), its genres/styles and
its listings from the first database Datasette serves, and renders ``album.html``. It loads
nothing from other hosts: videos are links, not embedded players.
"""

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

TRACKS = "SELECT position, title, duration, artist FROM tracks WHERE album_id = ? ORDER BY sequence"
VIDEOS = """SELECT v.id, v.title, v.url, v.status, v.checked_at, v.gone_at FROM album_videos av
JOIN youtube_videos v ON v.id = av.video_id WHERE av.album_id = ? ORDER BY av.order_index"""
TAGS = """SELECT 'genre' AS kind, g.name FROM album_genres ag JOIN genres g ON g.id = ag.genre_id WHERE ag.album_id = ?
UNION ALL SELECT 'style', s.name FROM album_styles ast JOIN styles s ON s.id = ast.style_id WHERE ast.album_id = ?"""
LISTINGS = """SELECT listing_id, collection_id, price, currency, condition, sleeve_condition, is_available, item_url
FROM collection_items WHERE album_id = ? ORDER BY is_available DESC, price"""


async def album_page(datasette, request):
    release_id = request.url_vars["release_id"]
    database = datasette.get_database()
    album = (await database.execute("SELECT * FROM albums WHERE discogs_release_id = ?", [release_id])).first()
    if album is None:
        raise NotFound(f"No album {release_id} in the database")
    tags = (await database.execute(TAGS, [release_id, release_id])).rows
    context = {
        "album": dict(album),
        "database": database.name,
        "tracks": [dict(row) for row in (await database.execute(TRACKS, [release_id])).rows],
        "videos": [dict(row) for row in (await database.execute(VIDEOS, [release_id])).rows],
        "genres": [row["name"] for row in tags if row["kind"] == "genre"],
        "styles": [row["name"] for row in tags if row["kind"] == "style"],
        "listings": [dict(row) for row in (await database.execute(LISTINGS, [release_id])).rows],
    }
    return Response.html(await datasette.render_template("album.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/album/(?P<release_id>[0-9]+)$", album_page)]


@hookimpl
def render_cell(row, value, column, table):
    """In the albums table, each title links to its album page."""
    if table == "albums" and column == "title" and row is not None and value is not None:
        release_id = row["discogs_release_id"]
        return Markup(f'<a href="/-/album/{escape(release_id)}">{escape(value)}</a>')
    return None
