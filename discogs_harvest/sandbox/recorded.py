"""The recorded Discogs responses in ``sandbox/data/`` (copied from the shared
sample set; provenance in ``data/SOURCES.md``), loaded once at start-up.

File names carry what the recording was: ``<id>_<words>.json``; a release
recorded without credentials has ``unauth`` in its name and is what
unauthenticated clients get when a credentialed capture exists too (249504).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
BY_ID = ("releases", "masters", "artists", "labels", "marketplace_listings")


def _load(path: Path):
    with path.open(encoding="utf-8") as f:
        return json.load(f)


@dataclass
class Recorded:
    releases: dict = field(default_factory=dict)  # id -> body for credentialed clients
    releases_anon: dict = field(default_factory=dict)  # id -> body for anonymous clients
    masters: dict = field(default_factory=dict)
    artists: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    marketplace_listings: dict = field(default_factory=dict)
    inventory: list = field(default_factory=list)  # brotherlogic's 322 listings, crawl order
    identity: dict = field(default_factory=dict)
    messages: dict = field(default_factory=dict)  # error file stem -> message text

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> "Recorded":
        rec = cls()
        for folder in BY_ID:
            for path in sorted((data_dir / folder).glob("*.json")):
                body = _load(path)
                target = getattr(rec, folder)
                if folder == "releases" and "unauth" in path.stem:
                    rec.releases_anon[body["id"]] = body
                    target.setdefault(body["id"], body)
                elif folder == "releases":
                    target[body["id"]] = body  # a credentialed capture wins for credentialed clients
                else:
                    target[body["id"]] = body
        for release_id, body in rec.releases.items():
            rec.releases_anon.setdefault(release_id, body)
        for path in sorted((data_dir / "inventory").glob("brotherlogic_*.json"), key=_page_number):
            rec.inventory.extend(_load(path)["listings"])
        rec.identity = _load(data_dir / "user" / "oauth_identity_2022.json")
        rec.messages = {p.stem: _load(p)["message"] for p in (data_dir / "errors").glob("*.json")}
        return rec


def _page_number(path: Path) -> int:
    return int(path.stem.rsplit("page", 1)[1])
