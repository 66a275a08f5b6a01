"""The sandbox's rate-limit clock: real time, unless a test freezes or advances it.

Tests that check the moving window (a 429 once it is spent, recovery once it slides)
must not depend on how fast a loaded machine answers: ``POST /_sandbox/clock`` with
``{"frozen": true}`` stops the window's time, ``{"advance": 2.0}`` moves it on by that
many seconds, ``{"frozen": false}`` lets it run again from where it stands. A reset
returns it to real time.
"""

import time


class SandboxClock:
    def __init__(self, source=time.monotonic):
        self._source = source
        self._offset = 0.0
        self._frozen_at = None

    def __call__(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._source() + self._offset

    def set(self, frozen=None, advance=0.0) -> dict:
        advance = float(advance or 0.0)
        if advance < 0:
            raise ValueError("advance must be >= 0: the window's time never goes back")
        if frozen is True and self._frozen_at is None:
            self._frozen_at = self()
        elif frozen is False and self._frozen_at is not None:
            self._offset = self._frozen_at - self._source()
            self._frozen_at = None
        if self._frozen_at is not None:
            self._frozen_at += advance
        else:
            self._offset += advance
        return {"frozen": self._frozen_at is not None, "now": self()}

    def reset(self) -> None:
        self._offset = 0.0
        self._frozen_at = None
