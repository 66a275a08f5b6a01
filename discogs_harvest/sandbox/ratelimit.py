"""Per-client moving-window request counter, the way Discogs throttles.

Discogs counts each source IP's requests over a moving 60 s window; the limit
depends on whether the request carries credentials (API_FACTS.md §1). A request
over the limit is refused (429) and not counted. This class holds no HTTP: the
caller passes the client key, the limit that applies and, in tests, the time.
"""

import time
from collections import deque
from typing import NamedTuple


class Verdict(NamedTuple):
    allowed: bool
    limit: int
    used: int  # requests in the window, including this one when allowed
    remaining: int  # limit - used, never negative


class MovingWindow:
    def __init__(self, window: float = 60.0, clock=time.monotonic):
        if window <= 0:
            raise ValueError("window must be > 0")
        self.window = float(window)
        self._clock = clock
        self._hits: dict[str, deque] = {}

    def _live(self, client: str, now: float) -> deque:
        hits = self._hits.setdefault(client, deque())
        horizon = now - self.window
        while hits and hits[0] <= horizon:
            hits.popleft()
        return hits

    def hit(self, client: str, limit: int, now: float | None = None) -> Verdict:
        """Count one request if the window has room for it."""
        now = self._clock() if now is None else now
        hits = self._live(client, now)
        if len(hits) >= limit:
            return Verdict(False, limit, len(hits), max(0, limit - len(hits)))
        hits.append(now)
        return Verdict(True, limit, len(hits), limit - len(hits))

    def peek(self, client: str, limit: int, now: float | None = None) -> Verdict:
        """What the window looks like without counting anything."""
        now = self._clock() if now is None else now
        used = len(self._live(client, now))
        return Verdict(used < limit, limit, used, max(0, limit - used))

    def consume(self, client: str, count: int, now: float | None = None) -> int:
        """Spend ``count`` slots (load from another program on the same IP)."""
        now = self._clock() if now is None else now
        hits = self._live(client, now)
        hits.extend([now] * max(0, int(count)))
        return len(hits)

    def free_in(self, client: str, limit: int, now: float | None = None) -> float:
        """Seconds until the next request would be allowed (0 if it is now)."""
        now = self._clock() if now is None else now
        hits = self._live(client, now)
        if len(hits) < limit:
            return 0.0
        return hits[len(hits) - limit] + self.window - now

    def reset(self) -> None:
        self._hits.clear()
