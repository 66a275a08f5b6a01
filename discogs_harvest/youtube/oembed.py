"""The oEmbed request for one video: ``GET <YOUTUBE_OEMBED_URL>?url=<watch URL>&format=json``.

No API key (YOUTUBE_OEMBED_FACTS.md). The watch URL is always rebuilt from the id, so a
stored URL with extra parameters (or another host) never reaches YouTube.
"""

from urllib.parse import urlencode

DEFAULT_URL = "https://www.youtube.com/oembed"


def watch_url(video_id):
    return f"https://www.youtube.com/watch?v={video_id}"


def oembed_url(base, video_id):
    """``base`` (YOUTUBE_OEMBED_URL) asking about ``video_id``."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'url': watch_url(video_id), 'format': 'json'})}"
