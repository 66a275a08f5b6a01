"""The video health policy: what one oEmbed answer means, and what it does to a video's state.

Pure code, no Scrapy, no database, no clock of its own: every decision takes ``now``, so
tests drive it with plain datetimes (the pipeline passes its injectable clock's time).

What YouTube's oEmbed answers mean (shared/foreign-services/YOUTUBE_OEMBED_FACTS.md,
from public reports of oEmbed consumers: ruby-oembed#79/#80, oembed-extractor#168,
YoutubeExplode#163, noembed#98/#107): 200 with an oEmbed ``video`` object is playable
(unlisted, region-blocked and age-restricted videos answer 200 too, and are not flagged);
401 means embedding was switched off by the owner, 403 private, 404 deleted or never
existed, 400 a malformed id. 429, 5xx, timeouts, lost connections, and a 200 whose body is
not an oEmbed object (YouTube briefly answered private videos with 200 ``Forbidden`` in
2020) are *transient*: they never flag a video and never count as a check.

A failing answer does not make a video gone at once. It is ``failing`` until it has failed
on at least ``failures_needed`` (2) checks in a row whose first and latest are at least
``confirm_after`` (a day) apart; only then does its status become the failure's kind
(``removed``, ``private``, ``embedding_disabled``) and ``gone_at`` is set. One playable
answer clears all of it.
"""

import datetime
import json
import re
from dataclasses import dataclass, replace

PLAYABLE = "playable"
FAILING = "failing"  # failed, not confirmed yet
REMOVED = "removed"
PRIVATE = "private"
EMBEDDING_DISABLED = "embedding_disabled"
TRANSIENT = "transient"

# Answers that say the video cannot be played in the desktop app, by HTTP status.
FAILURE_STATUSES = {
    400: (REMOVED, "malformed video id"),
    401: (EMBEDDING_DISABLED, "embedding disabled by the owner"),
    403: (PRIVATE, "private video"),
    404: (REMOVED, "removed or never existed"),
}
FAILURES = (REMOVED, PRIVATE, EMBEDDING_DISABLED)
GONE = FAILURES  # the statuses of a video confirmed gone

CONFIRM_AFTER = datetime.timedelta(days=1)
FAILURES_NEEDED = 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one check saw: ``result`` is PLAYABLE, TRANSIENT or one of FAILURES."""

    result: str
    detail: str | None = None
    title: str | None = None


def classify(status, content_type, body):
    """The :class:`Outcome` of one oEmbed answer (``body`` as bytes or str)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = body or ""
    if status == 200:
        try:
            data = json.loads(body) if "json" in (content_type or "").lower() else None
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("type") == "video" and isinstance(data.get("html"), str):
            title = data.get("title")
            return Outcome(PLAYABLE, None, title if isinstance(title, str) else None)
        if data is None:
            return Outcome(TRANSIENT, f"HTTP 200 with a body that is not oEmbed JSON: {_snippet(body)}")
        return Outcome(TRANSIENT, "HTTP 200 with JSON that is not an oEmbed video")
    if status in FAILURE_STATUSES:
        result, meaning = FAILURE_STATUSES[status]
        return Outcome(result, f"HTTP {status} {_snippet(body)}: {meaning}".replace("  ", " "))
    return Outcome(TRANSIENT, f"HTTP {status} {_snippet(body)}".strip())


def lost(reason):
    """The outcome of a check that got no answer (timeout, lost connection, DNS)."""
    return Outcome(TRANSIENT, reason)


def _snippet(text, size=40):
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size] + "..."


@dataclass(frozen=True, slots=True)
class VideoHealth:
    """The health columns of one ``youtube_videos`` row."""

    status: str | None = None
    checked_at: datetime.datetime | None = None
    status_changed_at: datetime.datetime | None = None
    consecutive_failures: int = 0
    first_failure_at: datetime.datetime | None = None
    gone_at: datetime.datetime | None = None
    last_result: str | None = None
    last_attempt_at: datetime.datetime | None = None
    last_error: str | None = None

    @property
    def gone(self):
        return self.gone_at is not None


def assess(previous, outcome, now, confirm_after=CONFIRM_AFTER, failures_needed=FAILURES_NEEDED):
    """The :class:`VideoHealth` after ``outcome`` was seen at ``now``."""
    attempt = {"last_result": outcome.result, "last_attempt_at": now}
    if outcome.result == TRANSIENT:
        return replace(previous, **attempt, last_error=outcome.detail)
    if outcome.result == PLAYABLE:
        return _moved(previous, PLAYABLE, now, **attempt, checked_at=now, consecutive_failures=0,
                      first_failure_at=None, gone_at=None, last_error=None)
    if outcome.result not in FAILURES:
        raise ValueError(f"unknown outcome {outcome.result!r}")
    failures = (previous.consecutive_failures or 0) + 1
    first = previous.first_failure_at or now
    confirmed = failures >= failures_needed and now - first >= confirm_after
    status = outcome.result if confirmed else (previous.status if previous.gone else FAILING)
    return _moved(previous, status, now, **attempt, checked_at=now, consecutive_failures=failures,
                  first_failure_at=first, gone_at=(previous.gone_at or now) if status in GONE else None,
                  last_error=outcome.detail)


def _moved(previous, status, now, **changes):
    changed_at = now if status != previous.status else previous.status_changed_at
    return replace(previous, status=status, status_changed_at=changed_at, **changes)


# --- which videos are due ---------------------------------------------------------------

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNITS = {"": 86400, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text):
    """``"7d"`` -> 7 days; ``s``, ``m``, ``h``, ``d``, ``w`` units, a bare number is days.

    Raises ValueError with a one-line reason.
    """
    match = _AGE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not an age like 7d, 12h, 30m or 0")
    number, unit = match.groups()
    return datetime.timedelta(seconds=float(number) * _UNITS[unit.lower()])


def is_due(checked_at, now, older_than):
    """True when a video needs a check: never checked, or last checked ``older_than`` ago or more."""
    return checked_at is None or now - checked_at >= older_than
