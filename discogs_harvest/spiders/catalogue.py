"""``scrapy crawl label -a id=N``, ``scrapy crawl artist -a id=N``, ``scrapy crawl master -a id=N``

Each stores the entity (``labels``: profile, urls, parent and sub-labels; ``artists``: real
name, aliases, name variations, members, groups, urls; ``masters``) and pages its list into
``entity_releases``: ``/labels/{id}/releases``, ``/artists/{id}/releases`` (masters and
releases, with the artist's role; a master is enriched through its main release) and
``/masters/{id}/versions`` (``-a format=``, ``country=``, ``released=``, ``label=`` are passed
through as Discogs' own filters). ``-a id`` also takes the entity's www.discogs.com URL.
Releases are enriched as :mod:`discogs_harvest.spiders.paged` describes.
"""

import re

from discogs_harvest import records
from discogs_harvest.entries import EntityReleaseItem
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.paged import PagedListSpider, positive_id

ENTITY_URL = re.compile(r"/(label|artist|master)s?/(\d+)")


def parse_entity_id(value, kind):
    """``123``, or a URL such as ``https://www.discogs.com/label/123-Some-Label``."""
    text = str(value if value is not None else "").strip()
    match = ENTITY_URL.search(text)
    if match:
        if match.group(1) != kind:
            raise HarvestConfigError(f"{text} is a {match.group(1)} URL, not a {kind} URL")
        return int(match.group(2))
    if not text:
        raise HarvestConfigError(f"a {kind} id is required: -a id=N (or a {kind} URL)")
    return positive_id(text, f"{kind} id")


class EntitySpider(PagedListSpider):
    kind = None
    feed_item_class = EntityReleaseItem
    list_params = ()

    @classmethod
    def parse_list_arguments(cls, id=None, **kwargs):
        options = {"id": parse_entity_id(id, cls.kind)}
        options["filters"] = {name: kwargs[name] for name in cls.list_params if kwargs.get(name)}
        return options

    def describe_list(self):
        return f"{self.kind} {self.options['id']}"

    def not_found_message(self, response):
        return f"{self.kind.capitalize()} {self.options['id']} not found on Discogs (404: " \
               f"{response.json().get('message') if self._json(response) else response.status})"

    def list_url(self):
        return self.url(f"/{self.entity[0]}/{self.options['id']}/{self.entries_key}", **self.options["filters"],
                        per_page=self.per_page, page=1)

    def entry_resource_id(self, entry):
        return records.list_entry_id(self.options["id"], entry)


class LabelSpider(EntitySpider):
    name = kind = "label"
    entity = ("labels", "label")
    resource = "label_release"
    example_arguments = {"id": "1611434"}


class ArtistSpider(EntitySpider):
    name = kind = "artist"
    entity = ("artists", "artist")
    resource = "artist_release"
    example_arguments = {"id": "6418741"}


class MasterSpider(EntitySpider):
    name = kind = "master"
    entity = ("masters", "master")
    entries_key = "versions"
    resource = "master_version"
    list_params = ("format", "country", "released", "label")
    example_arguments = {"id": "1521183"}
