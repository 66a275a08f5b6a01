"""``make demo``: start the sandbox, harvest the recorded seller with a style filter, show the result.

Runs ``scrapy crawl seller_inventory -a seller=brotherlogic -a style=Latin`` against the local
sandbox (never the real API) into ``data/discogs.db`` with a ``data/listings.json`` feed, then
prints what the database holds. The sandbox runs with a short rate-limit window (60 requests
per 2 s) so the demo takes seconds instead of the six minutes 324 requests take at 60/min.
"""

import json
import os
import subprocess
import sys
import time

from discogs_harvest.database import open_database
from discogs_harvest.sandbox.process import SandboxProcess

SELLER = "brotherlogic"
STYLE = "Latin"
DATABASE = os.path.join("data", "discogs.db")
FEED = os.path.join("data", "listings.json")
WINDOW = "2"


def harvest(url):
    command = [
        sys.executable, "-m", "scrapy", "crawl", "seller_inventory",
        "-a", f"seller={SELLER}", "-a", f"style={STYLE}",
        "-O", FEED,
        "-s", f"DISCOGS_API_URL={url}",
        "-s", "DISCOGS_TOKEN=sandbox-token",
        "-s", f"DISCOGS_RATE_PERIOD={WINDOW}",
        "-s", f"DATABASE_URL=sqlite:///{DATABASE}",
    ]
    print("$ scrapy crawl seller_inventory -a seller=%s -a style=%s -O %s   (against %s)" % (SELLER, STYLE, FEED, url))
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    # The harvest's default console is already quiet (discogs_harvest/console.py): show all of it.
    for line in result.stderr.splitlines():
        print("  " + line.split("] ", 1)[-1])
    print(f"  (exit status {result.returncode}, {time.monotonic() - started:.1f} s)")
    return result.returncode


def summary():
    db = open_database(f"sqlite:///{DATABASE}")

    def one(sql, *params):
        return db.execute_sql(sql, params).fetchone()[0]

    print(f"\nWhat {DATABASE} holds now:")
    for table in ("albums", "tracks", "youtube_videos", "album_videos", "sellers",
                  "collection_items", "genres", "styles", "album_genres", "album_styles"):
        print(f"  {table:<17} {one(f'SELECT COUNT(*) FROM {table}'):>6} rows")
    matched = one(
        "SELECT COUNT(*) FROM collection_items c JOIN album_styles a ON a.album_id = c.album_id "
        "JOIN styles s ON s.id = a.style_id WHERE s.name = ?", STYLE)
    print(f"\n  {matched} stored listings are of releases styled {STYLE!r}. A few of them:")
    rows = db.execute_sql(
        "SELECT a.artist, a.title, a.released_year, c.price, c.currency, c.condition "
        "FROM collection_items c JOIN albums a ON a.discogs_release_id = c.album_id "
        "ORDER BY c.price DESC LIMIT 5").fetchall()
    for artist, title, year, price, currency, condition in rows:
        print(f"    {artist} - {title} ({year or '?'})  {price:.2f} {currency}  [{condition}]")
    print("\n  Styles stored, most common first:")
    for name, count in db.execute_sql(
            "SELECT s.name, COUNT(*) FROM album_styles a JOIN styles s ON s.id = a.style_id "
            "GROUP BY s.name ORDER BY COUNT(*) DESC, s.name LIMIT 8").fetchall():
        print(f"    {name:<20} {count:>4} releases")
    with open(FEED, encoding="utf-8") as f:
        feed = json.load(f)
    print(f"\n  {FEED}: {len(feed)} listings, fields: {', '.join(list(feed[0])[:8])}, ..." if feed else
          f"\n  {FEED}: empty")
    db.close()


def main():
    os.makedirs("data", exist_ok=True)
    with SandboxProcess("--window", WINDOW) as sandbox:
        print(f"Sandbox (a local Discogs-compatible server) listening on {sandbox.url}")
        status = harvest(sandbox.url)
        spent = len(sandbox.log())
        print(f"  the sandbox served {spent} API requests")
    if status != 0:
        sys.exit(status)
    summary()


if __name__ == "__main__":
    main()
