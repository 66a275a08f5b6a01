"""``python -m discogs_harvest.browse [--db PATH] [--host 127.0.0.1] [--port 8001]`` (``make browse``)

Serves the harvested database with Datasette and prints its URL as the first stdout line
(``--port 0`` picks a free port; the printed URL has the real one). The database is
``DATABASE_URL``'s file unless ``--db`` names another; it is brought up to the current schema
first (search table, the ``artist_title`` label column), so an older harvest browses too.
Serves until Ctrl-C or SIGTERM. Datasette is optional: ``make browse`` installs
``requirements-browse.txt``; without it this says so in one line and exits 1.
"""

import argparse
import os
import socket
import sys
from pathlib import Path

from discogs_harvest.browse.metadata import LABEL_COLUMN, metadata
from discogs_harvest.database import database_path, open_database
from discogs_harvest.exceptions import HarvestConfigError

HERE = Path(__file__).resolve().parent
LABEL_SQL = (f"ALTER TABLE albums ADD COLUMN {LABEL_COLUMN} TEXT "
             "GENERATED ALWAYS AS (artist || ' - ' || title) VIRTUAL")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m discogs_harvest.browse", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None, help="SQLite file (default: DATABASE_URL's, data/discogs.db)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port (default 8001)")
    return parser.parse_args(argv)


def default_database():
    from discogs_harvest import settings

    return database_path(settings.DATABASE_URL)


def prepare(path):
    """Bring the database at ``path`` up to date for browsing (tables, search, label column)."""
    database = open_database(f"sqlite:///{path}")
    try:
        columns = {row[1] for row in database.execute_sql("PRAGMA table_xinfo(albums)").fetchall()}
        if LABEL_COLUMN not in columns:
            database.execute_sql(LABEL_SQL)
    finally:
        database.close()


def build(path):
    """The Datasette instance for ``path``, with our metadata, album page and templates."""
    from datasette.app import Datasette

    return Datasette(
        files=[str(path)],
        metadata=metadata(Path(path).stem),
        plugins_dir=str(HERE / "plugins"),
        template_dir=str(HERE / "templates"),
        settings={"default_page_size": 50, "facet_time_limit_ms": 500, "sql_time_limit_ms": 3000},
    )


def main(argv=None):
    args = parse_args(argv)
    try:
        import uvicorn
        import datasette  # noqa: F401 (only to prove it is there)
    except ImportError:
        print("error: Datasette is not installed: `make browse` installs it (requirements-browse.txt)",
              file=sys.stderr)
        return 1
    try:
        path = args.db or default_database()
        if not os.path.isfile(path):
            raise HarvestConfigError(f"no database at {path}: harvest something first (make demo)")
        prepare(path)
    except HarvestConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    datasette = build(path)
    try:
        sock = socket.create_server((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    run_sync(datasette.invoke_startup)
    print(f"http://{host}:{port}/{Path(path).stem}", flush=True)
    print("Browsing with Datasette; Ctrl-C stops.", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning", lifespan="on"))
    server.run(sockets=[sock])
    return 0


def run_sync(coroutine_function):
    import asyncio

    return asyncio.get_event_loop_policy().get_event_loop().run_until_complete(coroutine_function())


if __name__ == "__main__":
    sys.exit(main())
