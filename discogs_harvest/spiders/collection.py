"""``scrapy crawl collection -a user=NAME [-a folder=ID|name]`` and ``scrapy crawl wantlist -a user=NAME``

``collection`` pages ``/users/{user}/collection/folders/{folder}/releases`` (folder 0, the
default, is the whole collection; a folder given by name is looked up in
``/users/{user}/collection/folders`` first) and stores one ``collection_items`` row per
instance: ``collection_id`` = ``collection:<user>/<folder>``, ``instance_id``, ``folder_id``,
``date_added``, ``rating``, ``notes`` (the custom fields as JSON). ``wantlist`` pages
``/users/{user}/wants`` into ``wants``. Both enrich the releases they name (see
:mod:`discogs_harvest.spiders.paged`). A private collection or wantlist (Discogs' 403) is one
line naming the credentials that would open it: the owner's own.
"""

import logging
from urllib.parse import quote

import scrapy

from discogs_harvest import records, shapes
from discogs_harvest.downloadermiddlewares.retry import error_message
from discogs_harvest.entries import CollectionEntryItem, WantItem
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.spiders.paged import ENTITY_PRIORITY, PagedListSpider

logger = logging.getLogger(__name__)


def parse_user(user):
    name = (user or "").strip()
    if not name or "/" in name or any(c.isspace() for c in name):
        raise HarvestConfigError("a Discogs username is required: -a user=NAME")
    return name


class UserListSpider(PagedListSpider):
    what = "list"

    def user_path(self):
        return f"/users/{quote(self.options['user'], safe='')}"

    def forbidden_message(self, response):
        return (f"the {self.what} of {self.options['user']} is private (HTTP {response.status}: "
                f"{error_message(response)}): Discogs shows it only to its owner; harvest it with "
                f"{self.options['user']}'s own credentials (DISCOGS_TOKEN in .env, or scrapy discogs_login)")


class CollectionSpider(UserListSpider):
    name = "collection"
    what = "collection"
    resource = "collection_item"
    feed_item_class = CollectionEntryItem
    example_arguments = {"user": "Username"}

    @classmethod
    def parse_list_arguments(cls, user=None, folder="0", **_):
        folder = str(folder if folder is not None else "0").strip()
        if not folder:
            raise HarvestConfigError("folder must be a folder id (0 = all) or a folder name")
        return {"user": parse_user(user), "folder": int(folder) if folder.isdigit() else folder}

    def describe_list(self):
        return f"the collection of {self.options['user']} (folder {self.options['folder']})"

    def first_requests(self):
        if isinstance(self.options["folder"], int):
            yield from super().first_requests()
            return
        yield scrapy.Request(self.url(f"{self.user_path()}/collection/folders"), callback=self.parse_folders,
                             errback=self.page_failed, priority=ENTITY_PRIORITY,
                             meta={"page": 0, shapes.SHAPE_META: shapes.ENTITY})

    def parse_folders(self, response):
        """Folder name -> id, then page 1 of that folder."""
        folders = [f for f in response.json().get("folders") or () if isinstance(f, dict)]
        wanted = self.options["folder"].casefold()
        found = [f for f in folders if str(f.get("name", "")).casefold() == wanted]
        if not found:
            names = ", ".join(f"{f.get('name')} ({f.get('id')})" for f in folders)
            self.fail("bad_input", f"{self.options['user']} has no collection folder named "
                                   f"{self.options['folder']!r}; folders: {names}")
        self.options["folder"] = int(found[0]["id"])
        yield self.page_request(self.list_url(), 1)

    def list_url(self):
        return self.url(f"{self.user_path()}/collection/folders/{self.options['folder']}/releases",
                        per_page=self.per_page, page=1)

    def entry_resource_id(self, entry):
        return records.collection_item_id(self.options["user"], self.options["folder"], entry["instance_id"])


class WantlistSpider(UserListSpider):
    name = "wantlist"
    what = "wantlist"
    entries_key = "wants"
    resource = "want"
    feed_item_class = WantItem
    example_arguments = {"user": "brotherlogic"}

    @classmethod
    def parse_list_arguments(cls, user=None, **_):
        return {"user": parse_user(user)}

    def describe_list(self):
        return f"the wantlist of {self.options['user']}"

    def list_url(self):
        return self.url(f"{self.user_path()}/wants", per_page=self.per_page, page=1)

    def entry_resource_id(self, entry):
        return records.want_id(self.options["user"], entry["id"])
