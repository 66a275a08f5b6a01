"""What the three services' answers have in common once read: a list of :class:`Candidate`.

:class:`ShapeError` is raised by each service's reader for an answer whose shape is not the
documented one (a 200 can still be wrong): the spider counts it as a failed search, stores
nothing for that release, and the next run asks again.
"""

from dataclasses import dataclass


class ShapeError(ValueError):
    """The answer does not have the documented shape; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Candidate:
    external_id: str
    artist: str | None = None
    title: str | None = None
    url: str | None = None
    artwork_url: str | None = None  # the largest image the service offers for it
    notes: str | None = None  # Apple's editorial notes, Wikipedia's extract
    year: int | None = None
    kind: str | None = None  # Wikipedia's page type ("standard", "disambiguation")
    description: str | None = None


def need(data, key, kind, where):
    """``data[key]`` when it is a ``kind``, else ShapeError naming ``where``."""
    if not isinstance(data, dict):
        raise ShapeError(f"{where} is {type(data).__name__}, not an object")
    value = data.get(key)
    if not isinstance(value, kind):
        raise ShapeError(f"{where}.{key} is {type(value).__name__}, not {kind.__name__ if isinstance(kind, type) else kind}")
    return value


def optional(data, key, kind):
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, kind) else None


def year_of(date):
    """``"1987-07-01"`` or ``"1987"`` -> 1987; None for anything else (``"0000"``, None)."""
    text = str(date or "")[:4]
    return int(text) if text.isdigit() and int(text) > 0 else None
