"""The moving window kept in Redis, so many processes and machines share one budget.

With ``DISCOGS_BUDGET_REDIS_URL`` set, :class:`~.budget.RequestBudgetMiddleware` asks
:class:`RedisWindow` for every request's slot instead of counting its own sends. The
window lives in sorted sets, one per thing Discogs counts by (API_FACTS.md §1): the
credentials (``discogs-harvest:budget:cred:<sha256 of the token or key:secret>``, never the
secret itself) and the egress address the user names (``DISCOGS_BUDGET_EGRESS``, e.g. the
machine's public IP; ``default`` if unset). A request goes only when every one of its
windows has room.

Each member is one send; its score is when it stops occupying the window, as in
:mod:`~.policy`: until the answer comes, ``reserved + DOWNLOAD_TIMEOUT + period`` (the
latest the server can have counted it, plus a window); once answered, ``answered +
period``. Times are Redis's own clock (``TIME``), so machines whose clocks disagree still
agree on the window.

:data:`RESERVE` is one Lua script, so one request's check-and-take is one atomic
operation: drop ended sends, check room (``limit`` per window) and spacing (``period /
limit`` since the last send through that window, so a fresh window fills evenly, not in a
burst), and add the send, or answer how long to wait. :data:`ANSWERED` moves a send's end
when its answer comes.
"""

import hashlib
import uuid

KEY_PREFIX = "discogs-harvest:budget"

# KEYS: one window per counted thing. ARGV: limit, period ms, spacing ms, pending ms, member.
# Returns {1, 0} when the send was added, {0, wait ms} otherwise.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local spacing = tonumber(ARGV[3])
local pending = tonumber(ARGV[4])
local wait = 0
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local held = redis.call('ZCARD', key)
  if held >= limit then
    local ends = redis.call('ZRANGE', key, held - limit, held - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(ends[2]) - now)
  end
  local last = redis.call('GET', key .. ':last')
  if last then
    wait = math.max(wait, tonumber(last) + spacing - now)
  end
end
if wait > 0 then
  return {0, wait}
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + pending, ARGV[5])
  redis.call('PEXPIRE', key, pending + period)
  redis.call('SET', key .. ':last', now, 'PX', period + spacing)
end
return {1, 0}
"""

# KEYS: the send's windows. ARGV: period ms, member. The send ends a period after now.
ANSWERED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[2])
end
return 1
"""


def window_keys(token="", key="", secret="", egress=""):
    """The Redis keys of the windows a request with these credentials from ``egress`` counts in."""
    keys = []
    if token or (key and secret):
        credentials = f"token:{token}" if token else f"key:{key}:{secret}"
        keys.append(f"{KEY_PREFIX}:cred:{hashlib.sha256(credentials.encode()).hexdigest()}")
    keys.append(f"{KEY_PREFIX}:egress:{egress or 'default'}")
    return keys


class RedisWindow:
    """One process's handle on the shared windows (redis.asyncio, on Scrapy's asyncio reactor)."""

    def __init__(self, url, keys, period, pending):
        import redis.asyncio  # a runtime dependency, imported only when the setting is used

        self.client = redis.asyncio.Redis.from_url(url)
        self.keys = list(keys)
        self.period_ms = int(round(period * 1000))
        self.pending_ms = int(round(pending * 1000))
        self._reserve = self.client.register_script(RESERVE)
        self._answered = self.client.register_script(ANSWERED)
        self.prefix = uuid.uuid4().hex[:12]  # this process's sends
        self.count = 0

    async def reserve(self, limit):
        """``(member, 0.0)`` when a send was taken, else ``(None, seconds to wait)``."""
        self.count += 1
        member = f"{self.prefix}:{self.count}"
        spacing_ms = self.period_ms / max(1, limit)
        taken, wait_ms = await self._reserve(
            keys=self.keys, args=[int(limit), self.period_ms, int(spacing_ms), self.pending_ms, member])
        if int(taken):
            return member, 0.0
        return None, max(0.001, int(wait_ms) / 1000)

    async def answered(self, member):
        """The send's answer came: it leaves the window a period from now."""
        await self._answered(keys=self.keys, args=[self.period_ms, member])

    async def ping(self):
        await self.client.ping()

    async def close(self):
        await self.client.aclose()


def check_redis(url, timeout=5.0):
    """The ``crawl`` command's pre-check: HarvestConfigError unless Redis answers at ``url``.

    Without it the harvest would fail on its first request, or, worse, be tempted to run
    unpaced; one line before anything is sent is better.
    """
    import redis

    from discogs_harvest.exceptions import HarvestConfigError

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        raise HarvestConfigError(f"DISCOGS_BUDGET_REDIS_URL {url!r} is not a Redis URL: {exc}") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        where = url.split("://", 1)[-1].rsplit("@", 1)[-1]  # host:port/db, never a password
        raise HarvestConfigError(f"cannot reach Redis at {where} (DISCOGS_BUDGET_REDIS_URL): {exc}") from None
    finally:
        client.close()
