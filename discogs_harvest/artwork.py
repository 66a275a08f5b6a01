"""Where downloaded artwork lives: stable, slug-based names under ``IMAGES_STORE``.

One name per picture, derived from what it shows, never from its URL (image URLs carry
signatures that change): ``albums/<release id>-<artist-title slug>.jpg`` for a release's
Discogs cover, ``albums/<release id>-<slug>-apple-music.jpg`` for Apple Music's 2000x2000
artwork, ``artists/<artist id>-<name slug>.jpg`` for Discogs' artist image and
``artists/<artist id>-<slug>-wikipedia.jpg`` for the Wikipedia page's image. The pipeline
(:mod:`discogs_harvest.pipelines.artwork`) writes these names and ``scrapy site`` links them,
both from :func:`image_path`, so they always agree. Thumbnails are the pipeline's own
(``IMAGES_THUMBS``): ``thumbs/<size name>/<same name>``.
"""

import re
import unicodedata

DISCOGS = "discogs"
SOURCES = (DISCOGS, "apple_music", "wikipedia")


def slugify(text, length=60):
    """``"Rubén Blades & Willie Colón"`` -> ``"ruben-blades-and-willie-colon"``."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text.replace("&", " and ")).strip("-")
    return text[:length].rstrip("-") or "untitled"


def album_slug(release_id, artist, title):
    return f"{release_id}-{slugify(f'{artist} {title}')}"


def artist_slug(artist_id, name):
    name = re.sub(r"\s*\(\d+\)$", "", str(name or "").rstrip("*"))
    return f"{artist_id}-{slugify(name)}"


def image_path(kind, slug, source=DISCOGS):
    """``albums/90000001-some-artist-some-title.jpg`` (``kind`` is ``albums`` or ``artists``)."""
    if kind not in ("albums", "artists") or source not in SOURCES:
        raise ValueError(f"no image path for {kind!r} from {source!r}")
    suffix = "" if source == DISCOGS else "-" + source.replace("_", "-")
    return f"{kind}/{slug}{suffix}.jpg"


def thumb_path(path, size_name):
    return f"thumbs/{size_name}/{path}"


def on_image_host(url, image_url):
    """``url`` on ``DISCOGS_IMAGE_URL`` instead of i.discogs.com (tests point it at the sandbox)."""
    if not url or not image_url:
        return url
    for host in ("https://i.discogs.com/", "http://i.discogs.com/"):
        if url.startswith(host):
            return image_url.rstrip("/") + "/" + url[len(host):]
    return url
