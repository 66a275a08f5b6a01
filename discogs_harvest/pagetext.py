"""An inventory page decoded with each listing's own text in it.

A listing is kept in ``raw_bodies`` as received (``scrapy rebuild`` reads it back). Read from a
kept page, it was received as part of that page's text, so that part is what is kept: the
storage writer then has nothing to encode (``json.dumps`` of each decoded listing held the
GIL on the writer thread for about 26 us a listing, beside the crawl; issue 12). A fresh run
and a resumed one read their listings from the same kept page, so they keep the same bytes.

:func:`decode_page` gives what ``json.loads`` gives, each object of the top-level
``listings`` array a :class:`PageListing` that carries its text. The page's outer object and
its array are walked here; every value in them is decoded by the ``json`` module's own
scanner, so nothing is parsed twice. Text that this walk does not expect (not an object, a
stray character) is handed to ``json.loads`` whole: the same data, or its error, and no
listing texts.
"""

import json

_scan = json.JSONDecoder().scan_once  # (text, index) -> (value, end), StopIteration without one
_scan_string = json.decoder.scanstring  # (text, index after the opening quote) -> (string, end)
_SPACE = " \t\n\r"  # JSON's whitespace


class PageListing(dict):
    """A listing object of an inventory page; ``text``: its text in that page."""

    __slots__ = ("text",)


def listing_raw(listing):
    """What to keep of ``listing`` as received: its text in its page when known, else the object."""
    return getattr(listing, "text", listing)


def decode_page(text):
    """``json.loads(text)``, with the listings of an inventory page as :class:`PageListing` s."""
    try:
        return _walk(text)
    except (ValueError, IndexError, StopIteration):
        return json.loads(text)


def _walk(text):
    at = _skip(text, 0)
    if text[at] != "{":
        raise ValueError("not an object")
    data = {}
    at = _skip(text, at + 1)
    while True:
        if text[at] != '"':
            raise ValueError("a key expected")
        key, at = _scan_string(text, at + 1)
        at = _skip(text, at)
        if text[at] != ":":
            raise ValueError("':' expected")
        at = _skip(text, at + 1)
        if key == "listings" and text[at] == "[":
            data[key], at = _listings(text, at + 1)
        else:
            data[key], at = _scan(text, at)
        at = _skip(text, at)
        if text[at] == ",":
            at = _skip(text, at + 1)
        elif text[at] == "}" and _skip(text, at + 1) == len(text):
            return data
        else:
            raise ValueError("',' or the end of the page expected")


def _listings(text, at):
    listings = []
    at = _skip(text, at)
    if text[at] == "]":
        return listings, at + 1
    while True:
        value, end = _scan(text, at)
        if value.__class__ is dict:
            listing = PageListing(value)
            listing.text = text[at:end]
            value = listing
        listings.append(value)
        at = _skip(text, end)
        if text[at] == "]":
            return listings, at + 1
        if text[at] != ",":
            raise ValueError("',' or ']' expected")
        at = _skip(text, at + 1)


def _skip(text, at):
    """The index of the first character at or after ``at`` that is not whitespace."""
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at
