"""Which releases and artists an enrichment run still has to ask a service about.

A subject is due when ``enrichment_matches`` has no row for it and that service, whatever the
row says (a ``not_found`` or ``low_confidence`` answer is an answer: asking again would spend a
search on the same result). So a run killed half-way resumes with exactly the subjects it had
not reached, and a finished one asks nothing. Reads ``albums``, ``album_artists`` and
``enrichment_matches``; writes nothing.
"""

from dataclasses import dataclass

from discogs_harvest.freshness import database_for
from discogs_harvest.models import Album, AlbumArtist, EnrichmentMatch

VARIOUS_ARTIST_ID = 194  # Discogs' "Various": no page, no biography


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # "release" or "artist"
    id: str
    artist: str
    title: str | None = None


def _done(service, kind):
    query = EnrichmentMatch.select(EnrichmentMatch.subject_id).where(
        (EnrichmentMatch.service == service) & (EnrichmentMatch.subject == kind))
    return {subject_id for (subject_id,) in query.tuples()}


def due_releases(database_url, service, releases=None, limit=None):
    """Releases not asked about yet, by release id."""
    database_for(database_url)
    done = _done(service, "release")
    wanted = None if releases is None else {str(r) for r in releases}
    rows = Album.select(Album.discogs_release_id, Album.artist, Album.title).tuples()
    due = sorted((r for r in rows if r[0] not in done and (wanted is None or r[0] in wanted)),
                 key=lambda r: (len(r[0]), r[0]))
    return [Subject("release", release_id, artist, title) for release_id, artist, title in due[:limit]]


def due_artists(database_url, service, releases=None, limit=None):
    """Artists credited on stored releases (release-level credits), not asked about yet, by id."""
    database_for(database_url)
    done = _done(service, "artist")
    query = (AlbumArtist.select(AlbumArtist.artist_id, AlbumArtist.name, AlbumArtist.album)
             .where(AlbumArtist.track_sequence.is_null() & AlbumArtist.artist_id.is_null(False)
                    & (AlbumArtist.artist_id > 0) & (AlbumArtist.artist_id != VARIOUS_ARTIST_ID))
             .order_by(AlbumArtist.artist_id))
    wanted = None if releases is None else {str(r) for r in releases}
    artists = {}
    for artist_id, name, album_id in query.tuples():
        if wanted is not None and str(album_id) not in wanted:
            continue
        if str(artist_id) not in done:
            artists.setdefault(artist_id, name)
    return [Subject("artist", str(artist_id), name) for artist_id, name in sorted(artists.items())[:limit]]
