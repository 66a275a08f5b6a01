"""Which subjects are due, and the pipeline that stores each answer (SQLite and PostgreSQL)."""

from scrapy.utils.test import get_crawler

from discogs_harvest.enrich.items import EnrichmentMatchItem
from discogs_harvest.enrich.subjects import due_artists, due_releases
from discogs_harvest.freshness import database_for
from discogs_harvest.models import Album, AlbumArtist, EnrichmentMatch
from discogs_harvest.pipelines.enrichment import EnrichmentPipeline


def seed(url):
    database_for(url)
    for release_id, artist, title in (("3", "Gal Costa", "Índia"), ("10", "Various", "Tropicália"),
                                      ("2", "Celia Cruz (2)", "Son")):
        Album.create(discogs_release_id=release_id, artist=artist, title=title)
    AlbumArtist.insert_many([
        {"album": "3", "sequence": 0, "artist_id": 77, "name": "Gal Costa"},
        {"album": "10", "sequence": 0, "artist_id": 194, "name": "Various"},
        {"album": "10", "track_sequence": 0, "sequence": 0, "artist_id": 77, "name": "Gal Costa"},
        {"album": "2", "sequence": 0, "artist_id": 5, "name": "Celia Cruz (2)"},
        {"album": "2", "sequence": 1, "artist_id": 0, "name": "Unlinked"},
    ]).execute()


def test_due_subjects_skip_every_answered_one(database_url):
    seed(database_url)
    assert [s.id for s in due_releases(database_url, "spotify")] == ["2", "3", "10"]
    assert [(s.id, s.artist) for s in due_artists(database_url, "wikipedia")] == [("5", "Celia Cruz (2)"),
                                                                                   ("77", "Gal Costa")]
    pipeline = EnrichmentPipeline(get_crawler(settings_dict={"DATABASE_URL": database_url}))
    for status, confidence in (("not_found", 0.0), ("low_confidence", 0.4)):  # the second replaces the first
        pipeline.process_item(EnrichmentMatchItem(service="spotify", subject="release", subject_id="3",
                                                  query="album:Índia artist:Gal Costa", confidence=confidence,
                                                  status=status, low_confidence=True))
    pipeline.process_item(EnrichmentMatchItem(service="wikipedia", subject="artist", subject_id="5", query="Celia Cruz",
                                              confidence=1.0, status="matched", notes="Cuban singer"))
    assert [s.id for s in due_releases(database_url, "spotify")] == ["2", "10"]
    assert [s.id for s in due_releases(database_url, "apple_music", releases=[3, 10], limit=1)] == ["3"]
    assert [s.id for s in due_artists(database_url, "wikipedia")] == ["77"]
    [row] = EnrichmentMatch.select().where(EnrichmentMatch.service == "spotify").dicts()
    assert (row["status"], row["confidence"], row["low_confidence"], row["query"]) == (
        "low_confidence", 0.4, True, "album:Índia artist:Gal Costa") and row["matched_at"]
    assert pipeline.crawler.stats.get_value("harvest/enrich/spotify/low_confidence") == 1
