"""What a well-formed answer of each Discogs resource looks like: a 200 can still be wrong.

Pure functions, used by :class:`~discogs_harvest.downloadermiddlewares.retry.DiscogsRetryMiddleware`
before any callback sees an answer: a body that does not parse, or parses to the wrong shape
(an array, ``{}``, ``"listings": null``, a page that says it is not the last but has no
``next`` link), is a malformed answer, retried like a 5xx and recorded as a failure of that
page or release when retries run out. Nothing here touches the network or a crawler.

A request names its resource in ``request.meta["discogs_shape"]`` (:data:`SHAPE_META`); the
spiders set it. Only the fields the callbacks rely on are checked, with their types (a
bool is not an int); optional keys may be absent but not of another type. Facts:
``shared/discogs-api-samples/API_FACTS.md`` §3 (pagination) §4 (inventory) §5 (release).
"""

import json

SHAPE_META = "discogs_shape"
INVENTORY = "inventory"
RELEASE = "release"
ENTITY = "entity"  # a label, artist, master, listing or marketplace figure: a JSON object
PAGED = "paged:"  # + the key of the entries: a collection, wantlist, release list, search page


def paged(entries_key):
    """The shape name of a paged list whose entries are under ``entries_key``."""
    return PAGED + entries_key


def paged_problem(data, entries_key, page=None):
    """A list page (API_FACTS.md §3): ``pagination`` with int ``page``/``pages``, the entries a
    list, and a ``next`` link on every page but the last."""
    if not isinstance(data, dict):
        return f"a list page is a JSON object, not {type(data).__name__}"
    pagination = data.get("pagination")
    if not isinstance(pagination, dict):
        return "no pagination object"
    if not _int(pagination.get("page")) or not _int(pagination.get("pages")):
        return "pagination.page or pagination.pages is not an int"
    if page is not None and pagination["page"] != page:
        return f"asked for page {page}, got page {pagination['page']}"
    if not isinstance(data.get(entries_key), list):
        return f"{entries_key} is not a list"
    urls = pagination.get("urls")
    urls = {} if urls is None else urls
    if not isinstance(urls, dict):
        return "pagination.urls is not an object"
    if pagination["page"] < pagination["pages"] and not isinstance(urls.get("next"), str):
        return f"page {pagination['page']} of {pagination['pages']} has no next link"
    return None


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(data, key, kind):
    """A problem when ``data[key]`` is present, not null and not a ``kind``."""
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        return f"{key} is {type(value).__name__}, not {kind.__name__}"
    return None


def decode(body):
    """``(data, None)`` or ``(None, problem)`` for a response body."""
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"invalid JSON ({str(exc)[:80]})"


def inventory_problem(data, page=None):
    """None for a well-formed ``/users/{name}/inventory`` page (page ``page``, when given), else what
    is wrong with it."""
    if not isinstance(data, dict):
        return f"an inventory page is an object, not {type(data).__name__}"
    pagination = data.get("pagination")
    if not isinstance(pagination, dict):
        return "no pagination object"
    for key in ("page", "pages", "items", "per_page"):
        if not _int(pagination.get(key)) or pagination[key] < 0:
            return f"pagination.{key} is not a whole number"
    if pagination["page"] < 1:
        return "pagination.page is below 1"
    if page is not None and pagination["page"] != page:
        return f"asked for page {page}, got page {pagination['page']}"
    urls = pagination.get("urls", {})
    if not isinstance(urls, dict):
        return "pagination.urls is not an object"
    has_next = bool(urls.get("next"))
    if has_next and not isinstance(urls["next"], str):
        return "pagination.urls.next is not a URL"
    if pagination["page"] < pagination["pages"] and not has_next:
        return f"page {pagination['page']} of {pagination['pages']} has no next link"
    listings = data.get("listings")
    if not isinstance(listings, list):
        return f"listings is {'missing' if listings is None else type(listings).__name__}, not a list"
    if pagination["per_page"] and len(listings) > pagination["per_page"]:
        return f"{len(listings)} listings on a page of {pagination['per_page']}"
    for listing in listings:
        problem = listing_problem(listing)
        if problem:
            return problem
    return None


def listing_problem(listing):
    if not isinstance(listing, dict):
        return f"a listing is {type(listing).__name__}, not an object"
    if not _int(listing.get("id")):
        return "a listing has no whole-number id"
    release = listing.get("release")
    if not isinstance(release, dict) or not _int(release.get("id")):
        return f"listing {listing['id']} has no release with a whole-number id"
    for key, kind in (("price", dict), ("seller", dict), ("status", str), ("posted", str)):
        problem = _optional(listing, key, kind)
        if problem:
            return f"listing {listing['id']}: {problem}"
    return None


RELEASE_FIELDS = (("title", str), ("artists", list), ("labels", list), ("formats", list), ("genres", list),
                  ("styles", list), ("tracklist", list), ("videos", list), ("images", list),
                  ("community", dict), ("year", int))


def release_problem(data, release_id=None):
    """None for a well-formed ``/releases/{id}`` body (of release ``release_id``, when given)."""
    if not isinstance(data, dict):
        return f"a release is an object, not {type(data).__name__}"
    if not _int(data.get("id")):
        return "the release has no whole-number id"
    if release_id is not None and data["id"] != release_id:
        return f"asked for release {release_id}, got release {data['id']}"
    for key, kind in RELEASE_FIELDS:
        problem = _optional(data, key, kind)
        if problem:
            return problem
    return None


def problem(kind, data, expected=None):
    """What is wrong with decoded ``data`` as an answer of resource ``kind`` (None: well-formed).

    ``expected``: the page number or release id asked for, when known.
    """
    if kind == INVENTORY:
        return inventory_problem(data, expected)
    if kind == RELEASE:
        return release_problem(data, expected)
    if kind == ENTITY:
        return None if isinstance(data, dict) else f"expected a JSON object, not {type(data).__name__}"
    if kind and kind.startswith(PAGED):
        return paged_problem(data, kind[len(PAGED):], expected)
    return None
