"""One ``<release>`` element of a releases dump as the body ``GET /releases/{id}`` gives.

The dump and the API describe a release with the same names (API_FACTS.md §6): the dump's
``<artists><artist><id>1</id><name>..`` is the API's ``"artists": [{"id": 1, "name": ..}]``.
:func:`release_body` rewrites the element in the API's shape, so
:func:`discogs_harvest.loaders.load_release` and the row builders of
:mod:`discogs_harvest.pipelines.rows` (the one mapping from a release to rows) take it as they
take an API answer. What the dump lacks (community, prices, ``year``, image URLs, ...) is
simply absent, as an absent key is in an API body. Two rewrites follow API_FACTS.md §6:

- ``<video src= duration= embed=>`` is the API's ``{"uri", "duration", "embed", "title",
  "description"}``;
- ``year`` (absent from the dump) is the year of ``released``, as the API derives it
  (``"1999-03-00"`` -> 1999; no ``released``, no ``year``);
- a track's ``type_`` (absent from the dump) is what the API would say: ``index`` for a row
  with ``<sub_tracks>``, ``heading`` for a row without position and duration, else ``track``.

Numbers stay text where the API sends text (``qty``, ``entity_type``), ints where it sends
ints (ids, ``master_id``, video ``duration``, image sizes); the loaders' processors accept both.
"""

# Children are read as ``element[:]``, a list: iterating an ``lxml`` element builds an
# iterator object for it first, which cost more than the list (36 iterators a release).

# Elements whose children are a list of plain texts.
TEXT_LISTS = {"genres", "styles"}
# Elements whose children are a list of objects (an empty ``<companies/>`` is ``[]``).
OBJECT_LISTS = {"images", "artists", "labels", "extraartists", "identifiers", "companies", "series"}
# Elements whose children are a list of objects, and how one child becomes one object.
INT_KEYS = {"id", "width", "height", "duration"}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def _object(element):
    """Attributes and child elements of ``element`` as one dict (``<anv/>`` is ``""``)."""
    obj = {}
    for key, value in element.items():  # the attributes, without building an ``attrib`` view
        obj[key] = _int(value) if key in INT_KEYS else value
    for child in element[:]:
        tag = child.tag
        if len(child):
            obj[tag] = _list(child) if tag != "sub_tracks" else [_track(t) for t in child[:]]
        else:
            text = child.text or ""
            obj[tag] = _int(text) if tag in INT_KEYS else text
    return obj


def _list(element):
    return [_object(child) for child in element[:]]


def _track(element):
    track = {}
    for child in element[:]:
        tag = child.tag
        if tag == "sub_tracks":
            track[tag] = [_track(sub) for sub in child[:]]
        elif tag in ("artists", "extraartists"):
            track[tag] = _list(child)
        else:
            track[tag] = child.text or ""
    if track.get("sub_tracks"):
        track["type_"] = "index"
    elif not track.get("position") and not track.get("duration"):
        track["type_"] = "heading"
    else:
        track["type_"] = "track"
    return track


def _format(element):
    entry = dict(element.items())  # no ``attrib`` view built
    for child in element[:]:
        if child.tag == "descriptions":
            entry["descriptions"] = [d.text or "" for d in child[:]]
    return entry


def _video(element):
    get = element.get  # the attributes, without building an ``attrib`` view
    video = {"uri": get("src", ""), "duration": _int(get("duration")), "embed": get("embed")}
    for child in element[:]:
        video[child.tag] = child.text or ""
    return video


def release_body(element):
    """The API-shaped dict of one ``<release>`` element (an ``lxml`` or ``ElementTree`` element)."""
    body = {"id": _int(element.get("id")), "status": element.get("status")}
    for child in element[:]:
        tag = child.tag
        if tag in TEXT_LISTS:
            body[tag] = [c.text or "" for c in child[:]]
        elif tag == "tracklist":
            body[tag] = [_track(t) for t in child[:]]
        elif tag == "formats":
            body[tag] = [_format(f) for f in child[:]]
        elif tag == "videos":
            body[tag] = [_video(v) for v in child[:]]
        elif tag == "master_id":
            body[tag] = _int(child.text)
        elif tag in OBJECT_LISTS or len(child) or child.keys():  # children or attributes
            body[tag] = _list(child)
        else:
            body[tag] = child.text or ""
    year = (body.get("released") or "")[:4]
    if year.isdigit() and int(year):
        body["year"] = int(year)
    return body
