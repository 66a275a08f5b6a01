"""``scrapy site``: every page's front matter checked against the database, incremental writes,
the skip list, the scope options and template overrides; and the artwork the harvest downloaded."""

import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from discogs_harvest.artwork import album_slug, image_path
from discogs_harvest.freshness import database_for
from discogs_harvest.site.collect import Scope, collect
from discogs_harvest.site.pages import site_pages
from discogs_harvest.site.render import MANIFEST, write_site
from tests import forkserver
from tests.integration.crawling import ROOT
from tests.site.conftest import SELLER

pytestmark = [pytest.mark.sandbox, pytest.mark.timeout(300)]


# yaml.safe_load with libyaml's parser when PyYAML has it (the same safe constructors make the
# values): the pure-Python parser took ~0.5 s of this file's CPU reading the pages back.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(path):
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    return yaml.load(head, Loader=SAFE_LOADER)


def build(url, output, images, **scope):
    available = {str(p.relative_to(images)) for p in images.rglob("*.jpg")}
    data = collect(url, Scope(**scope))
    return write_site(site_pages(data, available, seller=scope.get("seller")), output, images)


def query(url, sql, *params):
    database = database_for(url)
    cursor = database.execute_sql(sql.replace("?", database.param), params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def pages(output, section):
    return {p.stem: front_matter(p) for p in (output / "content" / section).glob("*.md") if p.stem != "_index"}


def test_artwork_is_downloaded_once_under_stable_names(harvest):
    harvested, before, after = harvest
    albums = query(harvested.url, "SELECT a.discogs_release_id AS id, a.artist, a.title FROM albums a "
                                  "WHERE EXISTS (SELECT 1 FROM album_images i WHERE i.album_id = a.discogs_release_id)")
    assert albums
    for album in albums:
        path = image_path("albums", album_slug(album["id"], album["artist"], album["title"]))
        assert (harvested.images / path).is_file() and (harvested.images / "thumbs" / "small" / path).is_file()
    assert before and len(before) == len({e["path"] for e in before})  # each picture fetched once
    assert after == before  # the second harvest found every picture on disk and fetched none


def test_front_matter_matches_the_database(harvest, site_database, tmp_path):
    harvested, *_ = harvest
    url = site_database
    output = tmp_path / "site"
    report = build(url, output, harvested.images, seller=SELLER)
    albums = {r["discogs_release_id"]: r for r in query(url, "SELECT * FROM albums")}
    assert len(pages(output, "albums")) == len(albums) == len(report.written) - len(
        [p for p in report.written if not p.startswith("content/albums/") or p.endswith("_index.md")])
    listed_styles, listed_genres = defaultdict(set), defaultdict(set)
    for slug, front in pages(output, "albums").items():
        release_id = str(front["discogs_id"])
        album = albums[release_id]
        assert slug == album_slug(release_id, album["artist"], album["title"])
        assert (front["title"], front["artist"], front["year"], front["country"]) == (
            album["title"], album["artist"], album["released_year"] or None, album["country"])
        labels = query(url, "SELECT display_name, name, catno FROM album_labels WHERE album_id = ? ORDER BY sequence",
                       release_id)
        assert front["label"] == (labels[0]["display_name"] or labels[0]["name"] if labels else album["label"])
        assert front["catno"] == (labels[0]["catno"] if labels else album["catalog_number"])
        assert [f["name"] for f in front["formats"]] == [r["name"] for r in query(
            url, "SELECT name FROM album_formats WHERE album_id = ? ORDER BY sequence", release_id)]
        assert front["genres"] == [r["name"] for r in query(
            url, "SELECT g.name FROM album_genres l JOIN genres g ON g.id = l.genre_id WHERE l.album_id = ? "
                 "ORDER BY l.order_index", release_id)]
        assert front["styles"] == [r["name"] for r in query(
            url, "SELECT s.name FROM album_styles l JOIN styles s ON s.id = l.style_id WHERE l.album_id = ? "
                 "ORDER BY l.order_index", release_id)]
        tracks = query(url, "SELECT position, title, duration, duration_seconds FROM tracks WHERE album_id = ? "
                            "AND type IN ('track', 'sub_track') ORDER BY sequence", release_id)
        assert [(t["title"], t["duration_seconds"]) for t in front["tracklist"]] == [
            (t["title"], t["duration_seconds"]) for t in tracks]
        assert [c["role"] for c in front["credits"]] == [r["role"] for r in query(
            url, "SELECT role FROM album_credits WHERE album_id = ? ORDER BY track_sequence IS NOT NULL, "
                 "track_sequence, sequence", release_id)]
        assert [v["id"] for v in front["videos"]] == [r["video_id"] for r in query(
            url, "SELECT video_id FROM album_videos WHERE album_id = ? ORDER BY order_index", release_id)]
        assert front["links"]["discogs"] == album["resource_url"]
        apple = query(url, "SELECT url, low_confidence FROM enrichment_matches WHERE service = 'apple_music' "
                           "AND subject_id = ?", release_id)
        assert front["links"].get("apple_music") == (apple[0]["url"] if apple and not apple[0]["low_confidence"]
                                                     else None)
        prices = query(url, "SELECT listing_id, price FROM collection_items WHERE album_id = ? AND is_available "
                            "ORDER BY listing_id", release_id)
        assert [(p["listing_id"], p["price"]) for p in front["prices"]] == [(p["listing_id"], p["price"]) for p in prices]
        assert prices  # a seller's site lists only albums the seller lists
        if front["cover_image"]:
            name = front["cover_image"].removeprefix("/images/")
            assert (harvested.images / name).is_file() and (output / "static" / "images" / name).is_file()
            assert name.endswith("-apple-music.jpg") == ("apple_music" in front["links"])
        else:
            assert not query(url, "SELECT 1 FROM album_images WHERE album_id = ?", release_id)
        for style in front["styles"]:
            listed_styles[style].add(slug)
        for genre in front["genres"]:
            listed_genres[genre].add(slug)
    assert any("apple_music" in f["links"] for f in pages(output, "albums").values())
    for section, expected in (("styles", listed_styles), ("genres", listed_genres)):
        found = {f["title"]: {a["page"].split("/")[2] for a in f["albums"]} for f in pages(output, section).values()}
        assert found == expected
    artists = pages(output, "artists")
    credited = defaultdict(set)
    for row in query(url, "SELECT artist_id, album_id FROM album_artists WHERE track_sequence IS NULL "
                          "AND artist_id > 0 AND artist_id != 194"):
        credited[row["artist_id"]].add(str(row["album_id"]))
    assert {f["discogs_id"]: {a["page"].split("/")[2].split("-")[0] for a in f["discography"]}
            for f in artists.values()} == credited
    wiki = {int(r["subject_id"]): r["notes"] for r in query(
        url, "SELECT subject_id, notes FROM enrichment_matches WHERE service = 'wikipedia' AND low_confidence = ?",
        False)}
    assert wiki and all(f["biography"] == wiki.get(f["discogs_id"]) for f in artists.values())


def test_second_run_writes_nothing_and_one_change_rewrites_its_pages(harvest, site_database, tmp_path):
    harvested, *_ = harvest
    url, output = site_database, tmp_path / "site"
    build(url, output, harvested.images)
    assert build(url, output, harvested.images).written == []
    years = defaultdict(list)
    for row in query(url, "SELECT discogs_release_id, released_year FROM albums WHERE released_year > 0"):
        years[row["released_year"]].append(row["discogs_release_id"])
    release_id = next(ids[0] for year, ids in sorted(years.items()) if len(ids) > 1)
    album = query(url, "SELECT artist, title FROM albums WHERE discogs_release_id = ?", release_id)[0]
    page = f"/albums/{album_slug(release_id, album['artist'], album['title'])}/"
    listing_before = {str(p.relative_to(output)) for p in (output / "content").rglob("*.md")
                      if page in p.read_text(encoding="utf-8")}
    database_for(url).execute_sql("UPDATE albums SET released_year = 1901 WHERE discogs_release_id = "
                                  + database_for(url).param, (release_id,))
    report = build(url, output, harvested.images)
    listing_after = {str(p.relative_to(output)) for p in (output / "content").rglob("*.md")
                     if page in p.read_text(encoding="utf-8")}
    album_page = f"content{page.rstrip('/')}.md"
    assert "content/years/1901.md" in listing_after
    assert set(report.written) == {album_page} | listing_before | listing_after | {"content/years/_index.md"}
    assert report.removed == []
    assert build(url, output, harvested.images).written == []


def test_skip_list_and_style_scope(harvest, site_database, tmp_path):
    harvested, *_ = harvest
    url, output = site_database, tmp_path / "site"
    build(url, output, harvested.images)
    skipped = sorted(pages(output, "albums"))[0]
    report = build(url, output, harvested.images, skip={skipped.split("-")[0]})
    assert f"content/albums/{skipped}.md" in report.removed and not (output / f"content/albums/{skipped}.md").exists()
    assert not [p for p in (output / "content").rglob("*.md") if f"/albums/{skipped}/" in p.read_text()]
    style = query(url, "SELECT s.name FROM styles s JOIN album_styles l ON l.style_id = s.id GROUP BY s.name "
                       "ORDER BY COUNT(*) DESC")[0]["name"]
    build(url, tmp_path / "styled", harvested.images, style=style)
    assert all(style in f["styles"] for f in pages(tmp_path / "styled", "albums").values())


def test_templates_can_be_overridden(harvest, site_database, tmp_path):
    harvested, *_ = harvest
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "album.md.j2").write_text("---\n{{ front_matter | yaml }}---\nOURS {{ front_matter.discogs_id }}\n")
    data = collect(site_database, Scope())
    write_site(site_pages(data, set()), tmp_path / "site", harvested.images, templates)
    album = next((tmp_path / "site" / "content" / "albums").glob("9*.md"))
    assert album.read_text().endswith(f"OURS {front_matter(album)['discogs_id']}\n")
    assert (tmp_path / "site" / MANIFEST).is_file()


def test_the_command(harvest, tmp_path):
    harvested, *_ = harvest
    env = {"DATABASE_URL": harvested.url, "IMAGES_STORE": str(harvested.images), "PATH": "/usr/bin:/bin"}
    run = lambda *args: forkserver.run([sys.executable, "-m", "scrapy", "site", *map(str, args)], cwd=ROOT,  # noqa
                                       env=env, capture_output=True, text=True, timeout=120)
    bad = run(tmp_path / "out", "--skip", "12,abc")
    assert (bad.returncode, bad.stderr.strip()) == (2, "error: --skip '12,abc' is neither release ids (1,2,3) nor "
                                                       "a file of them")
    first = run(tmp_path / "out", "--seller", SELLER, "--hugo")
    assert first.returncode == 0 and first.stdout.startswith("Site: ") and (tmp_path / "out" / "hugo.toml").is_file()
    again = run(tmp_path / "out", "--seller", SELLER)
    assert again.stdout.startswith("Site: 0 pages written"), again.stdout + again.stderr


def test_an_artist_page_takes_its_profile_from_the_artists_table(harvest, site_database, tmp_path):
    """The ``artist`` spider's ``artists`` row (aliases and members as the API sends them) reaches the page."""
    harvested, *_ = harvest
    url = site_database
    artist_id = query(url, "SELECT artist_id FROM album_artists WHERE track_sequence IS NULL AND artist_id > 0 "
                           "AND artist_id != 194 ORDER BY artist_id")[0]["artist_id"]
    database = database_for(url)
    database.execute_sql(
        "INSERT INTO artists (id, name, realname, profile, aliases, members, fetched_at) VALUES "
        f"({database.param}, 'X', 'Real Name', 'A profile.', {database.param}, {database.param}, '2026-12-01')",
        (artist_id, json.dumps([{"id": 1, "name": "Persuader, The"}, {"id": 2, "name": "Alias Two"}]),
         json.dumps([{"id": 3, "name": "Member One", "active": True}])))
    output = tmp_path / "site"
    build(url, output, harvested.images, seller=SELLER)
    front = next(f for f in pages(output, "artists").values() if f["discogs_id"] == artist_id)
    assert front["artist_aliases"] == ["The Persuader", "Alias Two"]
    assert front["members"] == ["Member One"]
