"""The request budget's policy: window arithmetic, header sync, backoff, the 429 breaker.

Pure code: no Scrapy, no clock, no sleeping. Every call takes ``now`` (seconds on any
monotonic clock), so tests drive it with plain numbers. The middlewares
(:mod:`~discogs_harvest.downloadermiddlewares.budget` and ``retry``) own the clock and
do the waiting.

The model (API_FACTS.md §1): Discogs counts each source IP's requests over a moving
window of ``period`` seconds and refuses (429) a request that would make the window
hold more than ``limit``. We never see the instant the server counted one of our
requests, only when we handed it to the downloader (``reserved``) and when its answer
came back (``done``): the server counted it somewhere in between. So one of our sends
*occupies* our window from ``reserved`` until ``done + period`` (for ever while the
answer is outstanding). That interval contains the one the server counts, and we never
let more than ``limit`` of them overlap: the server's window cannot overflow because
of us, whatever the latency or the downloader's own delays (AutoThrottle) add.

Other programs sharing the IP or the token ("foreign" requests) show only in the
``X-Discogs-Ratelimit-Used``/``-Remaining`` headers. Each answer tells how many
requests the server held when it counted ours; minus the most of ours it can have held
then, the rest are foreign. Those foreign requests leave the server's window at the
latest ``period`` after the answer, so an observation lowers our limit until then (the
highest live observation counts). This is sound in both directions: a foreign client
that keeps its share steady keeps being observed, and one that stops stops lowering
our limit within one period. (Adding "phantom" sends at the answer's time instead
would free their slots a little after the foreign client has reused the real ones,
and walk into a 429 each time.)

Sends are also spaced ``period / limit`` apart, so a fresh window fills evenly rather
than in one burst: two harvesters starting together see each other in the headers
after a few requests, instead of both spending a whole window at once.

A 429 pauses every request: for ``Retry-After`` (capped) when the server sends it,
else until the window model, corrected by the 429's own headers, has room; when the
model cannot explain the 429 (the headers say there was room: a "hot" IP, a storm),
for a whole period, doubling with each 429 in a row. After any 429 the next request
goes alone (a probe) and the others wait for its answer. ``threshold`` 429s in a row
open the breaker: from then on every pause is at least that doubling cooldown
(capped by ``retry_after_max``, or one period if that is shorter), whatever
Retry-After says, and each is followed by one probe. The refused send itself leaves
our window: the server does not count 429s.
"""

import collections
import email.utils
import math
from bisect import bisect_right
from dataclasses import dataclass
from operator import attrgetter

INF = math.inf
_RESERVED = attrgetter("reserved")

CLOSED = "closed"  # requests flow, paced by the window
PAUSED = "paused"  # after a 429: nothing until resume_at, then one probe
PROBING = "probing"  # the probe is out: nothing until its answer


# --- the server's headers ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """``X-Discogs-Ratelimit``, ``-Used`` and ``-Remaining`` of one answer (None if absent)."""

    limit: int | None = None
    used: int | None = None
    remaining: int | None = None

    @property
    def server_used(self):
        """Requests in the server's window: ``limit - remaining`` when both are known.

        Remaining is what the server will still accept, so it wins over Used, which
        has been seen one behind on a fresh window (API_FACTS.md §1).
        """
        if self.limit is not None and self.remaining is not None:
            return max(0, self.limit - self.remaining)
        return self.used


def _header(headers, name):
    """Last value of header ``name`` from a Scrapy ``Headers`` or a plain dict, as str."""
    getlist = getattr(headers, "getlist", None)
    if getlist is not None:
        # Scrapy's Headers: one key per name, looked up case-insensitively. Walking items()
        # instead built a list of every header's values, three times an answer (issue 12).
        values = getlist(name)
        return _text(values[-1]) if values else None
    lowered = name.lower()
    for key, value in headers.items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() != lowered:
            continue
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else None
        return _text(value)
    return None


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return None if value is None else str(value).strip()


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_rate_headers(headers):
    """The rate-limit headers of an answer, or None when it carries none of them."""
    parsed = RateHeaders(
        limit=_int(_header(headers, "X-Discogs-Ratelimit")),
        used=_int(_header(headers, "X-Discogs-Ratelimit-Used")),
        remaining=_int(_header(headers, "X-Discogs-Ratelimit-Remaining")),
    )
    if parsed.limit is None and parsed.used is None and parsed.remaining is None:
        return None
    return parsed


def parse_retry_after(value, now_epoch):
    """``Retry-After`` (seconds or an HTTP date, RFC 9110 §10.2.3) as seconds >= 0, or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now_epoch
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


# --- window arithmetic ----------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Send:
    """One request we let through: when it was reserved, when its answer (or error) came."""

    reserved: float
    done: float | None = None
    probe: bool = False
    refused: bool = False  # answered 429: the server did not count it

    def end(self, period):
        """When it stops occupying our window: ``period`` after its answer (never, before)."""
        return INF if self.done is None else self.done + period


def foreign_at(observations, t):
    """Foreign requests assumed in the window at ``t``: the highest observation still live.

    ``observations`` are ``(expires, count)`` pairs.
    """
    return max((count for expires, count in observations if expires > t), default=0)


# Slots left free while other clients share the window (see allowed()).
CONTENDED = 1


def allowed(limit, foreign=0, server_limit=None, headroom=0):
    """How many of our sends the window may hold with ``foreign`` others in it.

    ``limit`` is our own ceiling (a setting); the server's ``X-Discogs-Ratelimit``, when
    known, is shared with the foreign requests. ``headroom`` is kept back from both.

    While foreign requests share the window, :data:`CONTENDED` more of it is left to
    them: when a slot frees, the other client sees it when we do, and both sending into
    the last free slot brings a 429. Two harvests on one token (make bench's two crawls,
    sandbox log) did that once a window, each time the highest foreign observation
    expired: both saw one slot more and took it. With one slot kept free, two clients
    taking "the last" slot at once still fit.
    """
    if foreign > 0:
        foreign += CONTENDED
    if server_limit is not None:
        limit = min(limit, server_limit - foreign)
    else:
        limit -= foreign
    return limit - headroom


def room_delay(ends, limit, now, observations=(), server_limit=None, headroom=0):
    """Seconds from ``now`` until the window has room for one more request of ours.

    ``ends`` are the instants our sends stop occupying the window (``inf`` while
    unanswered); there is room at ``t`` when fewer than :func:`allowed` of them lie after
    ``t``, foreign requests counted by :func:`foreign_at`. Returns 0 for "now" and
    ``inf`` when only an answer can make room.
    """
    times = {now}
    times.update(e for e in ends if now < e < INF)
    times.update(e for e, _ in observations if e > now)
    for t in sorted(times):
        room = allowed(limit, foreign_at(observations, t), server_limit, headroom)
        if sum(1 for e in ends if e > t) < room:
            return t - now
    return INF


def own_upper_bound(sends, answered, period):
    """The most of our sends the server can have held when it counted ``answered``.

    The server counted ``answered`` at some instant ``a`` in ``[reserved, done]`` and held
    the requests that reached it in ``(a - period, a]``. One of ours can be among them
    only if it was reserved before ``answered.done`` and not answered before
    ``answered.reserved - period``. ``answered`` itself is included. Refused sends (429)
    are not: the server does not count them, and counting them here would hide one
    foreign request per 429 and bring on the next 429 a period later.
    """
    low = answered.reserved - period
    return sum(
        1
        for s in sends
        if not s.refused and s.reserved <= answered.done and (s.done is None or s.done > low)
    )


def foreign_count(headers, own):
    """Requests the server reports beyond the ``own`` ones we can account for (>= 0)."""
    used = headers.server_used if headers is not None else None
    if used is None:
        return 0
    return max(0, used - own)


# --- a window longer than configured -----------------------------------------------------

# Discogs' documented window (API_FACTS.md §1): what a configured period proven too short
# is replaced with, unless the evidence shows an even longer one.
DOCUMENTED_PERIOD = 60.0
# The evidence must exceed the configured period by this factor: latency alone never does.
WINDOW_EVIDENCE_FACTOR = 1.5
# Accepted sends remembered for that evidence: a server limit above this cannot be judged.
ACCEPTED_KEPT = 1000


def implied_window(accepted, headers, own_in_period, now):
    """Seconds the server's window spans at least, from a 429's headers; None if they cannot tell.

    ``accepted`` are the reservation times of our sends the server counted (not refused),
    ``own_in_period`` how many of them our model holds in the configured window. When the
    server says its window is full (``used >= limit``) but our window holds fewer than
    ``used``, and our own sends over a longer span add up to ``used``, the server still
    counts sends that the configured period has let go: its window reaches back at least
    to the ``used``-th most recent of them.
    """
    if headers is None or headers.limit is None:
        return None
    used = headers.server_used
    if used is None or used < headers.limit or own_in_period >= used or len(accepted) < used:
        return None
    return now - sorted(accepted, reverse=True)[used - 1]


# --- retries --------------------------------------------------------------------------


def backoff(attempt, base, cap, rand):
    """Delay before retry number ``attempt`` (1, 2, ...): capped exponential, equal jitter.

    The ceiling ``min(cap, base * 2 ** (attempt - 1))`` is halved and the other half drawn
    from ``rand`` in [0, 1), so clients that failed together do not retry together while
    the delay still grows.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + rand * ceiling / 2


# --- the breaker ----------------------------------------------------------------------


class Breaker:
    """What 429s allow: nothing while paused, one probe after, resume on a good answer."""

    def __init__(self, period, threshold=3, cap=300.0):
        if period <= 0:
            raise ValueError("period must be > 0")
        self.period = float(period)
        self.threshold = max(1, int(threshold))
        self.cap = max(float(cap), 0.0)
        self.state = CLOSED
        self.resume_at = -INF
        self.consecutive = 0

    @property
    def is_open(self):
        """True once ``threshold`` 429s came in a row and no answer has closed it since."""
        return self.consecutive >= self.threshold

    def delay(self, now):
        """Seconds until the next request may go (0 now, ``inf`` while the probe is out)."""
        if self.state == PROBING:
            return INF
        if self.state == PAUSED:
            return max(0.0, self.resume_at - now)
        return 0.0

    def sent(self, now):
        """A request is leaving; True when it is the probe that others wait for."""
        if self.state == PAUSED and now >= self.resume_at:
            self.state = PROBING
            return True
        return False

    def refused(self, now, retry_after=None, explained=False):
        """A 429 arrived. Returns ``(pause seconds, opened now)``.

        ``retry_after`` is the server's (already parsed) value; ``explained`` says whether
        the window model, corrected by this answer's headers, now sees the window full:
        then the model's own wait is enough (pause 0) until the breaker opens. Otherwise
        the ``k``-th 429 in a row pauses ``period * 2 ** (k - 1)``, capped; once open,
        at least that even with a shorter Retry-After.
        """
        self.consecutive += 1
        escalated = min(max(self.cap, self.period), self.period * 2 ** (self.consecutive - 1))
        if self.is_open:
            pause = max(escalated, 0.0 if retry_after is None else min(retry_after, self.cap))
        elif retry_after is not None:
            pause = min(retry_after, self.cap)
        elif explained:
            pause = 0.0
        else:
            pause = escalated
        self.resume_at = max(self.resume_at, now + pause)
        self.state = PAUSED
        return pause, self.consecutive == self.threshold

    def answered(self, probe):
        """A non-429 answer. Before a 429 it changes nothing; after one, the probe's closes."""
        if self.state == CLOSED:
            self.consecutive = 0
        elif probe:
            self.state = CLOSED
            self.consecutive = 0
            self.resume_at = -INF

    def lost(self, probe):
        """The probe got no answer at all (timeout, dropped connection): send another."""
        if probe and self.state == PROBING:
            self.state = PAUSED


# --- the budget: all of the above for one process -------------------------------------


class Budget:
    """The request budget of one crawl: our sends, what the server told us, the breaker.

    At most ``limit`` of our requests per ``period`` seconds, ``headroom`` kept back.
    Once an answer carried ``X-Discogs-Ratelimit``, the server's limit is shared with the
    foreign requests it reveals (:func:`allowed`).
    """

    def __init__(self, limit, period, *, headroom=0, threshold=3, retry_after_max=300.0, spacing=True,
                 window=True):
        if limit is None or int(limit) <= 0:
            raise ValueError("limit must be > 0")
        if period is None or float(period) <= 0:
            raise ValueError("period must be > 0")
        self.limit = int(limit)
        self.period = float(period)
        self.headroom = max(0, int(headroom))
        self.server_limit = None
        self.spacing = spacing
        # False: a shared store (redis_window.RedisWindow) keeps the window and the spacing for
        # every process; this one keeps only the breaker and the server's limit. Answers'
        # headers then count the other processes' requests too, so they are not "foreign".
        self.window = window
        self.sends = []
        # While ``sends`` stay in reservation order (they do unless reserve() is given an
        # earlier time), the window is searched by bisection instead of scanned: a crawl far
        # from its limit keeps every send of the last period, hundreds with the budget lifted.
        self._ordered = True
        self._open = {}  # the unanswered sends (done is None), in reservation order
        self.observations = []  # (expires, foreign count)
        self._predicted = None  # the observation a growing foreign count predicts, till the next answer
        self.last_reserved = -INF
        self.breaker = Breaker(self.period, threshold, retry_after_max)
        self.foreign_seen = False  # an accepted answer revealed other clients on the window
        # (reserved, done) of recent accepted sends, kept longer than ``sends`` (which are
        # pruned after a period): the evidence for :meth:`learn_window`.
        self.accepted = collections.deque(maxlen=ACCEPTED_KEPT)

    @property
    def effective_limit(self):
        """Our ceiling with nobody else on the window (at least 1)."""
        return max(1, allowed(self.limit, 0, self.server_limit, self.headroom))

    @property
    def interval(self):
        """Minimum time between two sends when spacing is on."""
        return self.period / self.effective_limit if self.spacing and self.window else 0.0

    def foreign(self, now):
        return foreign_at(self.observations, now)

    def in_window(self, now):
        """Our sends occupying the window at ``now`` (answered within a period, or unanswered)."""
        return sum(1 for s in self.sends if s.end(self.period) > now)

    # -- sending

    def delay(self, now):
        """Seconds until one more request may go: 0 now, ``inf`` until some answer arrives."""
        self._prune(now)
        return max(0.0, self.breaker.delay(now), self.last_reserved + self.interval - now, self._room(now))

    def reserve(self, now):
        """Count a request as sent at ``now`` (call when :meth:`delay` is 0)."""
        send = Send(reserved=now, probe=self.breaker.sent(now))
        if self.sends and now < self.sends[-1].reserved:
            self._ordered = False
        self.sends.append(send)
        self._open[send] = None
        self.last_reserved = now
        return send

    # -- answers

    def answered(self, send, now, headers=None):
        """A non-429 answer came. Returns the foreign requests it revealed (0 if none)."""
        foreign = self._close(send, now, headers)
        self.breaker.answered(send.probe)
        if foreign > 0 and not self.foreign_seen and foreign > self._older_own(send.reserved):
            self.foreign_seen = True  # more than a longer window of ours could explain
        self.accepted.append((send.reserved, send.done))
        return foreign

    def refused(self, send, now, headers=None, retry_after=None):
        """A 429 came. Returns ``(pause seconds, breaker opened now, foreign revealed)``.

        The refused send leaves our window: the server does not count 429s (its
        ``-Used`` stays at the limit). Keeping it would be no safer: for a period we would
        hold one request less than we think, the other clients on the window would grow
        into that slot, and taking it back would bring the next 429. Should Discogs count
        429s after all, the next answers' headers show it and we slow down.
        """
        send.refused = True
        foreign = self._close(send, now, headers)
        self.sends.remove(send)
        pause, opened = self.breaker.refused(now, retry_after, explained=self._room(now) > 0)
        return pause, opened, foreign

    def learn_window(self, now, headers):
        """After a 429: if its headers prove the server's window longer than ``period``, adopt
        the longer one and return ``(old period, evidence seconds)``; else None.

        Only from the second 429 in a row (a single one is how other clients on the window
        show), and only while no accepted answer has revealed more requests than our own
        sends of the last :data:`DOCUMENTED_PERIOD` could be (other clients, whose requests
        would otherwise look like ours). The new period is Discogs' documented 60 s, or the evidence
        when that is longer: guessing upwards in small steps would mean a 429 per step.
        """
        if self.foreign_seen or self.breaker.consecutive < 2:
            return None
        evidence = implied_window([reserved for reserved, _ in self.accepted], headers, self.in_window(now), now)
        if evidence is None or evidence <= self.period * WINDOW_EVIDENCE_FACTOR:
            return None
        old = self.period
        self.period = max(DOCUMENTED_PERIOD, math.ceil(evidence))
        self.breaker.period = self.period
        # The sends pruned under the short period still fill the long one: put them back,
        # so the window model waits for them to leave instead of probing into more 429s.
        kept = {s.reserved for s in self.sends}
        restored = [Send(reserved=r, done=d) for r, d in self.accepted if d + self.period > now and r not in kept]
        self.sends = sorted(self.sends + restored, key=lambda s: s.reserved)
        self._ordered = True
        # These 429s are explained now: the window is full, nobody is refusing us.
        self.breaker.consecutive = 0
        return old, evidence

    def _older_own(self, reserved):
        """Our accepted sends that a server window up to DOCUMENTED_PERIOD long, but not ours,
        would still count when ``reserved`` reached it."""
        horizon = max(DOCUMENTED_PERIOD, self.period)
        return sum(1 for t, _ in self.accepted if reserved - horizon < t <= reserved - self.period)

    def lost(self, send, now):
        """No answer at all (timeout, connection lost): the server may still have counted it."""
        if send.done is None:
            send.done = now
            self._open.pop(send, None)
        self.breaker.lost(send.probe)

    # -- internals

    def _room(self, now):
        if not self.window:
            return 0.0
        # Room is certain when every send we keep, answered or not, could sit in the window
        # beside the most foreign requests any live observation reports: room_delay would
        # answer 0 at ``now`` (allowed() only shrinks as foreign requests grow). Skips the
        # scan of the window on each request of a crawl far from its limit.
        most_foreign = max((count for _, count in self.observations), default=0)
        if len(self.sends) < allowed(self.limit, most_foreign, self.server_limit, self.headroom):
            return 0.0
        ends = [s.end(self.period) for s in self.sends]
        return room_delay(ends, self.limit, now, self.observations, self.server_limit, self.headroom)

    def _close(self, send, now, headers):
        if send.done is None:
            send.done = now
            self._open.pop(send, None)
        if headers is None:
            return 0
        if headers.limit is not None and headers.limit > 0:
            self.server_limit = headers.limit
        if not self.window:
            return 0
        own = self._own_upper_bound(send) if self._ordered else own_upper_bound(self.sends, send, self.period)
        foreign = foreign_count(headers, own)
        if self._predicted is not None:  # this answer tells what the foreign count really is now
            if self._predicted in self.observations:
                self.observations.remove(self._predicted)
            self._predicted = None
        held = foreign_at(self.observations, send.done)
        if foreign > 0:
            self.observations.append((send.done + self.period, foreign))
        if 0 < held < foreign:
            # The other clients are still filling the window: as many again may have gone out
            # between this answer and our next send, unseen until the next answer replaces this.
            self._predicted = (send.done + self.period, 2 * foreign - held)
            self.observations.append(self._predicted)
        return foreign

    def _own_upper_bound(self, answered):
        """:func:`own_upper_bound` over ``sends`` in reservation order: a send reserved after
        ``answered.reserved - period`` (and not after ``answered.done``) was answered after
        it, if at all, so only the older ones are looked at one by one. A refused send leaves
        ``sends`` as soon as it is closed: ``answered`` is the only one there can be."""
        sends, low = self.sends, answered.reserved - self.period
        high = bisect_right(sends, answered.done, key=_RESERVED)
        older = bisect_right(sends, low, hi=high, key=_RESERVED)
        count = high - older - (1 if answered.refused and answered in sends[older:high] else 0)
        return count + sum(1 for s in sends[:older]
                           if not s.refused and (s.done is None or s.done > low))

    def _prune(self, now):
        # Keep what a later answer's header sync may still need: sends answered after
        # (oldest unanswered reservation - period).
        if self._ordered:
            oldest = next(iter(self._open)).reserved if self._open else INF
            horizon = min(now, oldest) - self.period
            # Sends reserved after the horizon stay whatever their answer: only older ones can go.
            cut = bisect_right(self.sends, horizon, key=_RESERVED)
            if cut:
                self.sends = [s for s in self.sends[:cut] if s.done is None or s.done > horizon] + self.sends[cut:]
        else:
            unanswered = [s.reserved for s in self.sends if s.done is None]
            horizon = min([now, *unanswered]) - self.period
            self.sends = [s for s in self.sends if s.done is None or s.done > horizon]
        if self.observations:
            self.observations = [o for o in self.observations if o[0] > now]
