"""Render pages through Jinja2 and write only what changed.

Templates: a ``FileSystemLoader`` on the user's folder (``SITE_TEMPLATES_DIR`` or
``--templates``) first, then the built-in ``templates/`` folder (Jinja2 docs, "Loaders":
``ChoiceLoader`` tries each loader in turn), so a user overrides one template by giving a
file of the same name. Each template gets ``front_matter`` (the page's dict), ``page`` (its
body context) and the ``yaml`` filter, which writes YAML front matter with PyYAML's
``safe_dump`` (the order of keys kept, Unicode as is).

Incremental: the manifest ``.discogs-harvest-site.json`` in the output folder records the
SHA-256 of every file the last run wrote. A page is written when its new content's hash
differs from the recorded one or its file is missing; a file the manifest names that is no
longer a page (an album left the scope, was skipped, was renamed) is removed. Artwork a page
shows is copied from ``IMAGES_STORE`` into ``static/images/`` the same way.
"""

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

BUILTIN_TEMPLATES = Path(__file__).with_name("templates")
MANIFEST = ".discogs-harvest-site.json"


def to_yaml(data):
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)


def environment(user_templates=None):
    loaders = [FileSystemLoader(str(user_templates))] if user_templates else []
    env = Environment(loader=ChoiceLoader(loaders + [FileSystemLoader(str(BUILTIN_TEMPLATES))]),
                      keep_trailing_newline=True, undefined=StrictUndefined, autoescape=False)
    env.filters["yaml"] = to_yaml
    return env


def digest(data):
    return hashlib.sha256(data).hexdigest()


@dataclass
class Report:
    written: list = field(default_factory=list)
    unchanged: int = 0
    removed: list = field(default_factory=list)
    images_copied: int = 0

    def line(self):
        return (f"Site: {len(self.written)} pages written, {self.unchanged} unchanged, {len(self.removed)} removed, "
                f"{self.images_copied} images copied")


def read_manifest(output):
    try:
        with open(output / MANIFEST) as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_file(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # a reader never sees half a page


def write_site(pages, output, images_store=None, user_templates=None):
    """Render ``pages`` into ``output``; returns a :class:`Report`."""
    output = Path(output)
    env = environment(user_templates)
    old = read_manifest(output)
    new = {}
    report = Report()
    for page in pages:
        text = env.get_template(page.template).render(front_matter=page.front_matter, page=page.body)
        data = text.encode("utf-8")
        new[page.path] = digest(data)
        target = output / page.path
        if old.get(page.path) == new[page.path] and target.is_file():
            report.unchanged += 1
            continue
        write_file(target, data)
        report.written.append(page.path)
        for image in page.images:
            source = Path(images_store or "") / image
            copy = f"static/images/{image}"
            if not source.is_file():
                continue
            data = source.read_bytes()
            new[copy] = digest(data)
            if old.get(copy) != new[copy] or not (output / copy).is_file():
                write_file(output / copy, data)
                report.images_copied += 1
    for page in pages:  # images of unchanged pages stay recorded
        for image in page.images:
            copy = f"static/images/{image}"
            if copy not in new and copy in old and (output / copy).is_file():
                new[copy] = old[copy]
    for path in sorted(set(old) - set(new)):
        target = output / path
        if target.is_file():
            target.unlink()
        report.removed.append(path)
    write_file(output / MANIFEST, json.dumps(new, indent=0, sort_keys=True).encode())
    return report


def copy_skeleton(skeleton, output):
    """Copy the Hugo skeleton's files into ``output`` where they are missing (never over a user's)."""
    copied = 0
    for source in Path(skeleton).rglob("*"):
        if source.is_file():
            target = Path(output) / source.relative_to(skeleton)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied += 1
    return copied
