"""The owner's inventory export (API_FACTS.md §4): a CSV of every listing, made by a queued job.

- ``POST /inventory/export`` (owner only: token or OAuth acting as a user) queues a job for the
  authenticated user's inventory: the answer carries ``Location: .../inventory/export/{id}`` and
  the job as JSON.
- ``GET /inventory/export`` lists the user's jobs (``pagination`` + ``items``).
- ``GET /inventory/export/{id}``: ``{id, status, created_ts, finished_ts, url, download_url,
  filename, type}``, ``status`` going ``pending`` -> ``in progress`` -> ``success`` (or
  ``failure``) as the job's time passes.
- ``GET /inventory/export/{id}/download``: the CSV; 404 once the file has expired.

How jobs behave is set with ``POST /_sandbox/exports`` ``{"delay": s, "outcome": "success" |
"failure" | "never", "expire_after": s}``: ``delay`` seconds from queued to finished (half of it
pending), ``never`` keeps a job in progress for ever, ``expire_after`` removes the file that long
after the job finished. Reset restores the defaults.

The real export's columns are not recorded (API_FACTS.md §4), so these are ours, named like the
fields of Discogs' inventory upload CSV where one exists (``release_id``, ``price``,
``media_condition``, ``sleeve_condition``, ``comments``, ``accept_offer``, ``external_id``,
``weight``, ``format_quantity``, ``location``): ``EXPORT_COLUMNS``. The harvester maps by header
name.
"""

import csv
import io
import itertools
import json
import time
from dataclasses import asdict, dataclass, field

from aiohttp import web

from discogs_harvest.sandbox.catalog import ApiError

EXPORT_COLUMNS = ("listing_id", "artist", "title", "label", "catno", "format", "release_id", "status", "price",
                  "currency", "shipping_price", "listed", "comments", "media_condition", "sleeve_condition",
                  "accept_offer", "external_id", "weight", "format_quantity", "location", "quantity")
OUTCOMES = ("success", "failure", "never")


@dataclass
class ExportPlan:
    delay: float = 1.0
    outcome: str = "success"
    expire_after: float = 3600.0

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        self.delay, self.expire_after = float(self.delay), float(self.expire_after)


@dataclass
class Job:
    id: int
    user: str
    created: float
    plan: ExportPlan
    csv: bytes | None = field(default=None, repr=False)


def csv_row(listing: dict) -> dict:
    release = listing.get("release") or {}
    shipping = (listing.get("shipping_price") or {}).get("value")
    return {
        "listing_id": listing["id"], "artist": release.get("artist"), "title": release.get("title"),
        "label": release.get("label", ""), "catno": release.get("catalog_number"), "format": release.get("format"),
        "release_id": release.get("id"), "status": listing.get("status"), "price": listing["price"]["value"],
        "currency": listing["price"]["currency"], "shipping_price": "" if shipping is None else shipping,
        "listed": listing.get("posted"), "comments": listing.get("comments"),
        "media_condition": listing.get("condition"), "sleeve_condition": listing.get("sleeve_condition"),
        "accept_offer": "Y" if listing.get("allow_offers") else "N", "external_id": listing.get("external_id"),
        "weight": listing.get("weight"), "format_quantity": listing.get("format_quantity"),
        "location": listing.get("location"), "quantity": listing.get("quantity"),
    }


class Exports:
    def __init__(self, catalog):
        self.catalog = catalog
        self.plan = ExportPlan()
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(599_632)

    def configure(self, **changes) -> dict:
        self.plan = ExportPlan(**{**asdict(self.plan), **changes})
        return asdict(self.plan)

    def reset(self) -> None:
        self.plan = ExportPlan()
        self.jobs.clear()

    def _owner(self, user: str | None) -> str:
        if user is None:
            raise ApiError(403, self.catalog.messages["403_no_permission"])
        self.catalog.seller(user)  # a user without an inventory: 404
        return user

    def create(self, user: str | None, base: str) -> tuple[int, bytes]:
        job = Job(next(self._ids), self._owner(user), time.time(), self.plan)
        self.jobs[job.id] = job
        return job.id, json.dumps(self.describe(job, base)).encode()

    def status(self, job: Job, now: float | None = None) -> str:
        elapsed = (now or time.time()) - job.created
        if job.plan.outcome == "never" or elapsed < job.plan.delay:
            return "pending" if elapsed < job.plan.delay / 2 else "in progress"
        return job.plan.outcome

    def describe(self, job: Job, base: str) -> dict:
        status = self.status(job)
        done = status in ("success", "failure")
        return {"id": job.id, "status": status, "created_ts": _ts(job.created),
                "finished_ts": _ts(job.created + job.plan.delay) if done else None,
                "url": f"{base}/inventory/export/{job.id}",
                "download_url": f"{base}/inventory/export/{job.id}/download" if status == "success" else None,
                "filename": f"{job.user}-inventory-{time.strftime('%Y%m%d', time.gmtime(job.created))}-{job.id}.csv",
                "type": "inventory"}

    def job(self, user: str | None, job_id: int) -> Job:
        job = self.jobs.get(job_id)
        if job is None or user is None or job.user.lower() != user.lower():
            raise self.catalog.not_found()
        return job

    def listing_jobs(self, user: str | None, base: str) -> bytes:
        mine = [self.describe(j, base) for j in self.jobs.values() if user and j.user.lower() == user.lower()]
        return json.dumps({"pagination": {"page": 1, "pages": 1, "per_page": 50, "items": len(mine), "urls": {}},
                           "items": mine}).encode()

    def download(self, user: str | None, job_id: int) -> bytes:
        job = self.job(user, job_id)
        if self.status(job) != "success" or time.time() > job.created + job.plan.delay + job.plan.expire_after:
            raise self.catalog.not_found()
        if job.csv is None:
            job.csv = self.render(job.user)
        return job.csv

    def render(self, user: str) -> bytes:
        """Every listing of ``user``'s inventory, every status, in listed order."""
        seller = self.catalog.seller(user)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for index in seller.order():
            writer.writerow(csv_row(seller.listing(index)))
        return out.getvalue().encode("utf-8")


def _ts(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


# --- routes ------------------------------------------------------------------------------

def _sandbox(request):
    from discogs_harvest.sandbox.app import SANDBOX  # app.py imports this module

    return request.app[SANDBOX]


def _json(body: bytes, headers=None):
    return web.Response(body=body, content_type="application/json", headers=headers)


async def create(request):
    sb = _sandbox(request)
    job_id, body = sb.exports.create(request["creds"].user, sb.base_url)
    return _json(body, {"Location": f"{sb.base_url}/inventory/export/{job_id}"})


async def jobs(request):
    sb = _sandbox(request)
    return _json(sb.exports.listing_jobs(request["creds"].user, sb.base_url))


async def job(request):
    sb = _sandbox(request)
    found = sb.exports.job(request["creds"].user, int(request.match_info["id"]))
    return _json(json.dumps(sb.exports.describe(found, sb.base_url)).encode())


async def download(request):
    sb = _sandbox(request)
    body = sb.exports.download(request["creds"].user, int(request.match_info["id"]))
    return web.Response(body=body, content_type="text/csv", charset="utf-8")


ROUTES = [
    web.post("/inventory/export", create),
    web.get("/inventory/export", jobs),
    web.get(r"/inventory/export/{id:\d+}", job),
    web.get(r"/inventory/export/{id:\d+}/download", download),
]
