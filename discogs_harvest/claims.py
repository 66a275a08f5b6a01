"""Release claims: harvests sharing one database never fetch the same release twice.

Pure database code, no Scrapy: :class:`~discogs_harvest.downloadermiddlewares.claims.ReleaseClaimMiddleware`
calls it before a release request goes out. One statement takes a claim atomically on
SQLite and PostgreSQL alike (``INSERT ... ON CONFLICT (release_id) DO UPDATE ... WHERE``
the old claim has expired or is ours): on PostgreSQL the conflicting row is locked, so of
two harvests claiming at once exactly one wins. Then:

- :data:`MINE`: fetch it. The claim stays until it expires, so a harvest that sees it
  later knows the release is being (or was just) fetched, and waits for it to be stored.
- :data:`STORED`: another harvest claimed it and has stored it since (``albums.fetched_at``
  at or after the claim): use the stored release, no request.
- :data:`WAIT`: another harvest's live claim, not stored yet: ask again later.

:func:`release` drops one of our claims early (the fetch failed: let another harvest try).
A harvest that dies leaves its claims to expire after ``ttl`` seconds.
"""

import datetime
import os
import socket
import uuid

from discogs_harvest.models import Album, ReleaseClaim, utcnow

MINE, STORED, WAIT = "mine", "stored", "wait"


def new_owner():
    """A name for this harvest process: readable (host, pid) and unique (random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(database, release_id, owner, ttl, now=None):
    """Claim ``release_id`` for ``owner`` for ``ttl`` seconds; returns MINE, STORED or WAIT."""
    now = now or utcnow()
    expires = now + datetime.timedelta(seconds=ttl)
    with database.atomic():
        ReleaseClaim.insert(release_id=release_id, owner=owner, claimed_at=now, expires_at=expires).on_conflict(
            conflict_target=[ReleaseClaim.release_id],
            update={ReleaseClaim.owner: owner, ReleaseClaim.claimed_at: now, ReleaseClaim.expires_at: expires},
            where=(ReleaseClaim.expires_at <= now) | (ReleaseClaim.owner == owner),
        ).execute()
        holder, claimed_at = (ReleaseClaim.select(ReleaseClaim.owner, ReleaseClaim.claimed_at)
                              .where(ReleaseClaim.release_id == release_id).tuples().get())
    if holder == owner:
        return MINE
    stored = (Album.select(Album.fetched_at)
              .where((Album.discogs_release_id == str(release_id)) & (Album.fetched_at >= claimed_at))
              .exists())
    return STORED if stored else WAIT


def release(database, release_id, owner):
    """Drop ``owner``'s claim on ``release_id`` (nothing if another harvest holds it)."""
    with database.atomic():
        ReleaseClaim.delete().where(
            (ReleaseClaim.release_id == release_id) & (ReleaseClaim.owner == owner)).execute()
