"""BatchWriter: a batch of items written to the database in one transaction, batched and idempotent.

The one path from items to tables: :class:`~discogs_harvest.pipelines.storage.StoragePipeline`
(a crawl's storage, on its writer thread or in the writer process:
:mod:`~discogs_harvest.pipelines.writerprocess`), ``scrapy rebuild`` and the dump import all
write through it. Nothing here needs Scrapy, so the writer process starts without it.

Every table is written with ``INSERT ... ON CONFLICT DO UPDATE`` (peewee
``insert_many(...).on_conflict(...)``, its text rendered once per shape:
:mod:`~discogs_harvest.pipelines.inserts`), never ``REPLACE`` (which deletes and
re-inserts, losing ids and ``created_at``): harvesting the same data twice leaves
the same rows, only ``updated_at``/``fetched_at``/``last_seen_at`` move;
``created_at`` and ``first_seen_at`` stay.

- ``ReleaseItem`` -> ``albums`` (``fetched_at`` = now, read by staleness),
  ``tracks`` upserted by (album, sequence) so track ids survive a re-harvest (rows
  beyond a shorter new tracklist are deleted), ``youtube_videos`` by id,
  ``album_videos`` / ``album_genres`` / ``album_styles`` replaced for the album,
  ``genres`` / ``styles`` get-or-insert by name (case-insensitively: one row a name).
- ``ListingItem`` (and ``ListingRowsItem``, a page's listings written as the page goes out,
  before their releases are known) -> ``sellers`` (from ``item.seller``), ``collection_items`` by
  ``listing_id`` (``is_available`` from the status, ``last_seen_at`` = now), and the album's
  ``have_count``/``want_count`` when the listing carries them.

Albums and listings arrive in any order. Within a batch albums are written first;
a listing whose album is not stored yet gets ``album_id`` NULL (the foreign key is
enforced) and keeps its ``release_id``, by which SQL links it when the album lands,
in this run or a later one.

The whole record: a release's lists go to ``album_artists``, ``album_credits``,
``album_labels``, ``album_companies``, ``album_series``, ``album_formats``,
``album_identifiers`` and ``album_images`` (replaced for the album, in the body's order),
and every body is kept compressed in ``raw_bodies`` (the release as received, each listing
object, each inventory page), which ``scrapy rebuild`` derives the tables from again.
A ``RawBodyItem`` of a resource :mod:`discogs_harvest.records` maps (collection instances,
wants, labels, artists, masters, their lists, search results, marketplace figures) is kept
and also written to its table through that mapping.
In the same transaction a crawl (not ``scrapy rebuild``) records what changed
(:mod:`discogs_harvest.watching`): ``listing_events`` against the stored rows, and
``release_stats_history`` when a release's figures moved.

Checkpoints for resuming (:mod:`discogs_harvest.checkpoints`): an ``InventoryPageItem``
is upserted into ``inventory_pages`` with ``listings_out`` true (its listings are in the same
transaction); a ``FailedReleaseItem`` into ``failed_releases``
(``attempts`` counted), and a release stored later is removed from there.
URLs lose any ``token``, ``key`` or ``secret`` query parameter before they are written.

A writer changes no stats and no counter: :meth:`BatchWriter.write_transaction` returns what
to add to them (its caller counts), so it runs on any thread or in another process.
"""

from collections import Counter

from peewee import EXCLUDED, Case, Node, Tuple, ValuesList, fn

from discogs_harvest import fts, records, watching
from discogs_harvest.batches import slices
from discogs_harvest.freshness import database_for, variable_limit
from discogs_harvest.items import FailedReleaseItem, InventoryPageItem, ListingItem, RawBodyItem, ReleaseItem
from discogs_harvest.models import (
    Album,
    AlbumArtist,
    AlbumCompany,
    AlbumCredit,
    AlbumFormat,
    AlbumGenre,
    AlbumIdentifier,
    AlbumImage,
    AlbumLabel,
    AlbumSeries,
    AlbumStyle,
    AlbumVideo,
    CollectionItem,
    FailedRelease,
    Genre,
    InventoryPage,
    RawBody,
    Seller,
    Style,
    Track,
    YoutubeVideo,
    utcnow,
)
from discogs_harvest.pipelines.inserts import Inserts
from discogs_harvest.pipelines.rows import (
    PAGE_COMPRESSION,
    album_row,
    credit_rows,
    entity_rows,
    format_rows,
    identifier_rows,
    image_rows,
    listing_row,
    page_resource_id,
    raw_row,
    seller_row,
    track_rows,
    without_credentials,
)


class BatchWriter:
    """Writes batches of items to the database of ``database_url`` (opened now, so a bad URL
    fails at once). Keeps per database what it learnt: statement texts, genre and style ids."""

    def __init__(self, database_url):
        self.database_url = database_url
        self.max_variables = variable_limit(database_for(database_url))
        # Statement texts rendered once per shape (inserts.py), run in write()'s transaction.
        self.inserts = Inserts(lambda: database_for(self.database_url))
        # Genre/Style -> {name.casefold(): id}; loaded on first use, dropped after a failed batch.
        self.name_ids = {}
        self.tally = Counter()  # figures of the transaction being written (write_transaction)
        # Off only for `scrapy rebuild` and the dump import, which keep no bodies.
        self.keep_bodies = True
        self.run = None  # the harvest_runs.id the changes are recorded under (run_id())

    def run_id(self):
        """The ``harvest_runs.id`` of the crawl writing, or None."""
        return self.run

    def write_transaction(self, items, now=None, bodies=None):
        """One transaction: albums first, then the listings (which may point at them), then the
        kept bodies (``bodies``: :meth:`bodies_to_keep` at ``now``, made here when not given).

        It changes no stats and no counter, it returns what to add to them (the caller counts:
        :meth:`StoragePipeline.count <discogs_harvest.pipelines.storage.StoragePipeline.count>`),
        so it runs on storage's writer thread or in the writer process."""
        releases = [item for item in items if isinstance(item, ReleaseItem)]
        listings = [item for item in items if isinstance(item, ListingItem)]
        if now is None:
            now = utcnow()
        if bodies is None:
            # Compressed before the transaction: on SQLite it begins IMMEDIATE, holding the write
            # lock that the spider (parking listings, keeping pages) and other harvests wait for.
            bodies = self.bodies_to_keep(items, now)
        self.tally = Counter()
        with database_for(self.database_url).atomic():
            rows = self.write_records(releases, listings, now)
            rows += self.write_checkpoints(items, releases, now)
            rows += sum(self.write_raw(group) for group in bodies)
        tally, self.tally = self.tally, Counter()
        tally.update({"rows": rows, "release": len(releases), "listing": len(listings)})
        return tally

    def write_records(self, releases, listings, now):
        """Albums first, then the listings (which may point at them); returns the rows written.

        The one path from items to tables, for a crawl and for ``scrapy rebuild`` alike."""
        rows = self.write_releases(releases, now) if releases else 0
        return rows + (self.write_listings(listings, now) if listings else 0)

    def upsert(self, model, rows, conflict_target, keep=(), update=None):
        """``INSERT ... ON CONFLICT (conflict_target) DO UPDATE`` every column but ``keep``.

        Rows are dicts with the same keys; as many go into one statement as the
        connection's parameter limit allows (a whole batch, in practice).
        """
        if not rows:
            return 0
        fixed = {field.name for field in conflict_target} | set(keep) | set(update or ())
        preserve = [model._meta.fields[name] for name in rows[0] if name not in fixed]
        update = {model._meta.fields[name]: value for name, value in (update or {}).items()}
        per_statement = max(1, self.max_variables // len(model._meta.fields))
        # The clause is the same for the same target, kept columns and updated names (update
        # values are constants or expressions of the row: inserts.py keeps their parameters).
        shape = ("upsert", tuple(field.name for field in conflict_target), tuple(sorted(fixed)),
                 tuple((field.name, value if not isinstance(value, Node) else None) for field, value in update.items()))
        for chunk in slices(rows, per_statement):
            self.inserts.run(shape, model, chunk, lambda chunk: model.insert_many(chunk).on_conflict(
                conflict_target=conflict_target, preserve=preserve, update=update or None))
        return len(rows)

    def replace_links(self, model, album_ids, rows):
        """Make ``rows`` the only links of ``album_ids`` in a link table (no ids to keep there)."""
        for chunk in slices(album_ids, self.max_variables):  # one text for any number of ids
            self.inserts.run_lists(("replace links", model), [chunk],
                                   lambda chunk: model.delete().where(model.album.in_(chunk)))
        columns = len(rows[0]) if rows else 1
        for chunk in slices(rows, max(1, self.max_variables // columns)):
            self.inserts.run("ignore", model, chunk, lambda chunk: model.insert_many(chunk).on_conflict_ignore())
        return len(rows)

    # --- releases ----------------------------------------------------------------------

    def write_albums(self, releases, now):
        """The ``albums`` rows of ``releases`` (and the listings waiting for them), nothing else."""
        rows = self.upsert(
            Album, [album_row(item, now) for item in releases], [Album.discogs_release_id], keep=("created_at",)
        )
        self.link_listings([item.release_id for item in releases])
        return rows

    def write_releases(self, releases, now):
        album_ids = [str(item.release_id) for item in releases]
        rows = self.write_albums(releases, now)
        if self.keep_bodies:
            self.tally[watching.HISTORY_STAT] += watching.record_release_stats(
                releases, self.run_id(), now, self.max_variables, self.inserts)
        rows += self.write_tracks(releases)
        self.refresh_search(album_ids)
        rows += self.write_videos(releases, album_ids)
        for model, link, attribute, field in (
            (Genre, AlbumGenre, "genres", "genre"),
            (Style, AlbumStyle, "styles", "style"),
        ):
            names = {item.release_id: [name for name in getattr(item, attribute) or () if name] for item in releases}
            ids = self.ids_of_names(model, [name for item_names in names.values() for name in item_names])
            links = []
            for release_id, item_names in names.items():
                album_id = str(release_id)
                linked = set()  # two spellings of one name share an id: link it once, first place
                for name in item_names:
                    name_id = ids[name.casefold()]
                    if name_id not in linked:
                        linked.add(name_id)
                        links.append({"album": album_id, field: name_id, "order_index": len(linked) - 1})
            rows += self.replace_links(link, album_ids, links)
        for model, build in (
            (AlbumArtist, lambda item: credit_rows(item, "artists")),
            (AlbumCredit, lambda item: credit_rows(item, "credits")),
            (AlbumLabel, lambda item: entity_rows(item, "labels")),
            (AlbumCompany, lambda item: entity_rows(item, "companies")),
            (AlbumSeries, lambda item: entity_rows(item, "series")),
            (AlbumFormat, format_rows),
            (AlbumIdentifier, identifier_rows),
            (AlbumImage, image_rows),
        ):
            rows += self.replace_links(model, album_ids, [row for item in releases for row in build(item)])
        return rows

    def refresh_search(self, album_ids):
        """Re-index ``album_ids`` for full-text search (:mod:`discogs_harvest.fts`), their tracks written."""
        fts.refresh(database_for(self.database_url), album_ids, self.max_variables)

    def bodies_to_keep(self, items, now):
        """The ``raw_bodies`` rows of a batch, compressed, in groups that each go into one
        :meth:`write_raw`: releases', listings', then pages' and other resources' bodies as
        received (none for ``scrapy rebuild`` or the dump import, which keep none)."""
        if not self.keep_bodies:
            return []
        releases = [item for item in items if isinstance(item, ReleaseItem)]
        listings = [item for item in items if isinstance(item, ListingItem)]
        # A page the spider kept as it arrived (body_kept) is in raw_bodies already: compressing
        # and writing its body again cost a millisecond or more per page of a hundred listings.
        pages = [raw_row("inventory_page", page_resource_id(item.seller_username, item.status, item.page),
                         item.body, now, PAGE_COMPRESSION)
                 for item in items if isinstance(item, InventoryPageItem) and item.body and not item.body_kept]
        return [
            [raw_row("release", item.release_id, item.raw, now) for item in releases if item.raw is not None],
            [raw_row("listing", item.listing_id, item.raw, now) for item in listings if item.raw is not None],
            pages + [raw_row(item.resource, item.resource_id, item.body, now)
                     for item in items if isinstance(item, RawBodyItem)],
        ]

    def write_raw(self, rows):
        """Keep bodies as received: the latest per resource (``first_fetched_at`` stays)."""
        if not self.keep_bodies:
            return 0
        return self.upsert(RawBody, rows, [RawBody.resource, RawBody.resource_id], keep=("first_fetched_at",),
                           update={"unlisted": False})

    def write_tracks(self, releases):
        """Upsert by (album, sequence) so ids stay; delete sequences the new tracklists lack."""
        per_release = {str(item.release_id): track_rows(item) for item in releases}
        rows = [row for album_rows in per_release.values() for row in album_rows]
        count = self.upsert(Track, rows, [Track.album, Track.sequence])
        self.delete_stale_tracks({album_id: [row["sequence"] for row in album_rows]
                                  for album_id, album_rows in per_release.items()})
        return count

    def delete_stale_tracks(self, kept):
        """Delete each album's tracks but the sequences ``kept`` names (``{album_id: [sequence]}``)."""
        # Each release costs 1 + 2 per track parameters in the delete: group accordingly.
        widest = 1 + 2 * max(len(sequences) for sequences in kept.values())
        for group in slices(kept.items(), max(1, self.max_variables // widest)):
            album_ids = [album_id for album_id, _ in group]
            keep = [(album_id, sequence) for album_id, sequences in group for sequence in sequences]
            if keep:  # its text kept once (inserts.py), the lists' lengths vary every batch
                self.inserts.run_lists("stale tracks", [album_ids, keep], lambda album_ids, keep: Track.delete().where(
                    Track.album.in_(album_ids) & Tuple(Track.album, Track.sequence).not_in(ValuesList(keep))))
            else:
                Track.delete().where(Track.album.in_(album_ids)).execute()

    def write_videos(self, releases, album_ids):
        videos, links = {}, []
        for item in releases:
            seen = set()
            for index, video in enumerate(item.videos):
                if not video.video_id or video.video_id in seen:
                    continue  # Discogs sometimes lists one video twice: keep its first place
                seen.add(video.video_id)
                videos[video.video_id] = {
                    "id": video.video_id,
                    "title": video.title,
                    "url": video.url,
                    "duration_seconds": video.duration_seconds,
                    "description": video.description,
                    "embed": video.embed,
                }
                order_index = video.order_index if video.order_index is not None else index
                links.append({"album": str(item.release_id), "video": video.video_id, "order_index": order_index})
        rows = self.upsert(YoutubeVideo, list(videos.values()), [YoutubeVideo.id])
        return rows + self.replace_links(AlbumVideo, album_ids, links)

    def ids_of_names(self, model, names):
        """``{name.casefold(): id}`` for ``names`` (a list) in a genres/styles table, inserting new ones."""
        known = self.name_ids.get(model)
        if known is None:
            known = self.name_ids[model] = {}
            for tag_id, name in model.select(model.id, model.name).order_by(model.id).tuples():
                known.setdefault(name.casefold(), tag_id)
        missing = {}  # first spelling wins, in order
        for name in names:
            if name.casefold() not in known:
                missing.setdefault(name.casefold(), name)
        if missing:
            new = list(missing.values())
            model.insert_many([(name,) for name in new], fields=[model.name]).on_conflict_ignore().execute()
            for chunk in slices(new, self.max_variables):
                for tag_id, name in model.select(model.id, model.name).where(model.name.in_(chunk)).tuples():
                    known.setdefault(name.casefold(), tag_id)
        return known

    # --- listings ----------------------------------------------------------------------

    def existing_albums(self, album_ids):
        """Which of ``album_ids`` are stored; the query's text kept once (inserts.py), not
        rendered by peewee for every batch of listings."""
        found = set()
        for chunk in slices(sorted(album_ids), self.max_variables):
            found.update(album_id for (album_id,) in self.inserts.run_lists(
                "existing albums", [chunk],
                lambda chunk: Album.select(Album.discogs_release_id).where(Album.discogs_release_id.in_(chunk)).tuples()))
        return found

    def link_listings(self, release_ids):
        """Point listings stored before their album (in any run) at the albums just written."""
        for chunk in slices(sorted(release_ids), self.max_variables):
            self.inserts.run_lists("link listings", [chunk], lambda chunk: CollectionItem.update(
                album=CollectionItem.release_id.cast("TEXT")).where(
                CollectionItem.album.is_null() & CollectionItem.release_id.in_(chunk)))

    def write_listings(self, listings, now):
        """Sellers, then listings; returns the rows written."""
        sellers = {
            item.seller.seller_id: seller_row(item.seller, now)
            for item in listings
            if item.seller and item.seller.seller_id is not None
        }
        rows = self.upsert(Seller, list(sellers.values()), [Seller.id], keep=("created_at",))
        present = self.existing_albums({str(item.release_id) for item in listings if item.release_id is not None})
        listing_rows = []
        for item in listings:
            album_id = str(item.release_id) if item.release_id is not None else None
            listing_rows.append(listing_row(item, album_id if album_id in present else None, now))
        if self.keep_bodies:  # a crawl, not `scrapy rebuild`: record what changed (watching.py)
            self.tally[watching.EVENTS_STAT] += watching.record_listing_events(
                listing_rows, self.run_id(), now, self.max_variables, self.inserts)
        rows += self.upsert(
            CollectionItem,
            listing_rows,
            [CollectionItem.listing_id],
            keep=("first_seen_at",),
            # A listing seen again before its album is fetched keeps the album it had.
            update={"album": fn.COALESCE(EXCLUDED.album_id, CollectionItem.album)},
        )
        self.refresh_album_counts(listings, present, now)
        return rows

    # --- checkpoints ---------------------------------------------------------------------

    def write_checkpoints(self, items, releases, now):
        """Inventory pages and failed releases; a release stored now is no longer failed."""
        pages = [item for item in items if isinstance(item, InventoryPageItem)]
        # The page's body is kept once, compressed, in raw_bodies (where the checkpoint reads it:
        # checkpoints.py); a second, plain copy here cost about 1 KB a listing, written and
        # deleted again by every harvest.
        rows = self.upsert(InventoryPage, [
            {"seller": item.seller_username.lower(), "status": item.status, "page": item.page,
             "next_url": without_credentials(item.next_url), "pages_total": item.pages_total,
             "body": "" if self.keep_bodies else item.body, "fetched_at": now,
             "listings_out": True} for item in pages  # committed with them: checkpointed
        ], [InventoryPage.seller, InventoryPage.status, InventoryPage.page])
        # Records of the other ways in (collections, wants, labels, ...): their rows (records.py).
        rows += records.write(self.upsert, [(item.resource, item.resource_id, records.decode(item.body))
                                            for item in items if isinstance(item, RawBodyItem)
                                            and item.resource in records.RESOURCES], now, self.max_variables)
        failures = [item for item in items if isinstance(item, FailedReleaseItem)]
        for item in failures:
            FailedRelease.insert(release_id=item.release_id, reason=item.reason, first_failed_at=now,
                                 last_failed_at=now).on_conflict(
                conflict_target=[FailedRelease.release_id],
                update={FailedRelease.attempts: FailedRelease.attempts + 1, FailedRelease.reason: item.reason,
                        FailedRelease.last_failed_at: now},
            ).execute()
        stored = [item.release_id for item in releases]
        for chunk in slices(stored, self.max_variables):
            self.inserts.run_lists("failed releases stored", [chunk],
                                   lambda chunk: FailedRelease.delete().where(FailedRelease.release_id.in_(chunk)))
        return rows + len(failures)

    def refresh_album_counts(self, listings, present, now):
        """Copy have/want from listings (the release's community figures) onto stored albums."""
        counts = {}
        for item in listings:
            album_id = str(item.release_id)
            if album_id in present and (item.have_count is not None or item.want_count is not None):
                counts[album_id] = (item.have_count, item.want_count)
        items = list(counts.items())
        # Per album: 2 parameters in each CASE, 1 in the IN list.
        for chunk in slices(items, max(1, (self.max_variables - 1) // 5)):
            have = [(album_id, value) for album_id, (value, _) in chunk if value is not None]
            want = [(album_id, value) for album_id, (_, value) in chunk if value is not None]
            Album.update(
                have_count=Case(Album.discogs_release_id, have, Album.have_count) if have else Album.have_count,
                want_count=Case(Album.discogs_release_id, want, Album.want_count) if want else Album.want_count,
                updated_at=now,
            ).where(Album.discogs_release_id.in_([album_id for album_id, _ in chunk])).execute()
