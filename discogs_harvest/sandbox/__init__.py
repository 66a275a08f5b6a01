"""A Discogs-compatible local server for tests, demos and benchmarks.

``python -m discogs_harvest.sandbox [--port 0] [--window 60] [--limit-auth 60]
[--limit-anon 25] [--retry-after S] [--token T[=USER]]... [--consumer K:S]...
[--log FILE.jsonl] [--faults JSON]`` prints its base URL on the first stdout line.

Discogs routes: ``GET /users/{username}/inventory``, ``/releases/{id}``,
``/marketplace/listings/{id}``, ``/masters|artists|labels/{id}`` (recorded only),
``/oauth/identity``. Control routes (never rate limited, faulted or logged):
``GET /_sandbox/log?since=N``, ``POST /_sandbox/reset``, ``/_sandbox/config``,
``/_sandbox/faults``, ``/_sandbox/consume``, ``/_sandbox/clock`` (freeze or advance the rate
window's time, for tests), ``/_sandbox/sellers/{name}/mutate``.

Modules: ``app`` (routes and middleware), ``catalog`` (what is served),
``sellers`` and ``generator`` (inventories and synthetic data), ``recorded``
(the copied samples in ``data/``), ``ratelimit``, ``faults``, ``auth``,
``reqlog``, ``process`` (:class:`SandboxProcess`, to run it from Python).
"""

from discogs_harvest.sandbox.process import SandboxProcess

__all__ = ["SandboxProcess"]
