"""ArtworkPipeline: album and artist artwork through Scrapy's own ImagesPipeline, opt-in.

Off unless ``DOWNLOAD_IMAGES`` is true (``-s DOWNLOAD_IMAGES=1``): then every release a harvest
stores brings its primary Discogs image and its artists' images, and the enrichment spiders
bring Apple Music's 2000x2000 artwork and Wikipedia's artist images. Files go to
``IMAGES_STORE`` (``data/images/`` in the project) under the stable names of
:mod:`discogs_harvest.artwork`, with the thumbnails ``IMAGES_THUMBS`` asks for; the images
are converted to JPEG by the pipeline (Scrapy docs, "Downloading and processing files and
images").

Never downloaded twice: a name already on disk is not fetched again for ``IMAGES_EXPIRES``
days (Scrapy's ``FilesStore.stat_file`` check; our default is a century), and within one run
the media pipeline fetches each URL once whatever number of items name it. Image URLs on
``i.discogs.com`` are fetched from ``DISCOGS_IMAGE_URL`` instead when it is set (the sandbox).
Discogs sends image URLs only to authenticated requests (API_FACTS.md §2): a harvest
without credentials stores none, and there is nothing to download.

Reads ``DOWNLOAD_IMAGES``, ``IMAGES_STORE``, ``IMAGES_THUMBS``, ``IMAGES_EXPIRES``,
``DISCOGS_IMAGE_URL``. Stats: Scrapy's ``file_status_count/...`` and
``harvest/artwork/requested``.
"""

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.pipelines.images import ImagesPipeline

from discogs_harvest import stats
from discogs_harvest.artwork import album_slug, artist_slug, image_path, on_image_host, thumb_path
from discogs_harvest.enrich.items import EnrichmentMatchItem
from discogs_harvest.items import ReleaseItem

PATH_META = "artwork_path"


def release_artwork(item):
    """``[(path, url)]`` of a release's primary image and its release-level artists' images."""
    wanted = []
    images = [image for image in item.images if image.uri]
    primary = next((image for image in images if image.type == "primary"), images[0] if images else None)
    if primary is not None:
        wanted.append((image_path("albums", album_slug(item.release_id, item.artist, item.title)), primary.uri))
    for artist in item.artists:
        if artist.artist_id and artist.thumbnail_url:
            wanted.append((image_path("artists", artist_slug(artist.artist_id, artist.name)), artist.thumbnail_url))
    return wanted


class ArtworkPipeline(ImagesPipeline):
    def __init__(self, store_uri, *, crawler):
        if not crawler.settings.getbool("DOWNLOAD_IMAGES"):
            raise NotConfigured("DOWNLOAD_IMAGES is off")
        super().__init__(store_uri, crawler=crawler)
        self.image_url = crawler.settings.get("DISCOGS_IMAGE_URL")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DOWNLOAD_IMAGES"):
            raise NotConfigured("DOWNLOAD_IMAGES is off")
        store = crawler.settings.get("IMAGES_STORE")
        if not store:
            raise NotConfigured("IMAGES_STORE is empty")
        cls._update_stores(crawler.settings)
        return cls(str(store), crawler=crawler)

    def get_media_requests(self, item, info):
        if isinstance(item, ReleaseItem):
            wanted = release_artwork(item)
        elif isinstance(item, EnrichmentMatchItem):
            wanted = item.artwork
        else:
            return []
        requests = []
        for path, url in dict(wanted).items():
            requests.append(Request(on_image_host(url, self.image_url), meta={PATH_META: path}))
        self.crawler.stats.inc_value(stats.key("artwork", "requested"), len(requests))
        return requests

    def file_path(self, request, response=None, info=None, *, item=None):
        return request.meta[PATH_META]

    def thumb_path(self, request, thumb_id, response=None, info=None, *, item=None):
        return thumb_path(request.meta[PATH_META], thumb_id)

    def item_completed(self, results, item, info):
        return item  # the names are known from the item itself; nothing to add to it
