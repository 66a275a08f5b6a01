"""The sandbox's request log: what a harvester actually spent.

Every Discogs-route request (never the ``/_sandbox/`` control routes) becomes
one entry ``{seq, t, method, path, query, status, client, auth, user_agent,
fault, signed}`` (``signed``: the OAuth signature method verified, or why it was refused), kept in memory for ``GET /_sandbox/log?since=N`` and, with ``--log
FILE``, appended to FILE as one JSON line each, so a benchmark in another
process can count requests after the sandbox has gone. ``seq`` never restarts,
not even on reset, so a reader polling with ``since`` never misses or repeats.
"""

import json
from collections import deque

MAX_ENTRIES = 1_000_000  # a long benchmark must not eat the machine's memory


class RequestLog:
    def __init__(self, path: str | None = None):
        self._entries: deque = deque(maxlen=MAX_ENTRIES)
        self._seq = 0
        self._file = open(path, "a", encoding="utf-8") if path else None

    @property
    def last_seq(self) -> int:
        return self._seq

    def append(self, **fields) -> dict:
        self._seq += 1
        entry = {"seq": self._seq, **fields}
        self._entries.append(entry)
        if self._file:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()
        return entry

    def since(self, seq: int = 0) -> list[dict]:
        if not self._entries:
            return []
        skip = max(0, seq - self._entries[0]["seq"] + 1)
        return [self._entries[i] for i in range(skip, len(self._entries))]

    def clear(self) -> None:
        self._entries.clear()

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None
