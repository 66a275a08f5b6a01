"""``scrapy site OUTPUT_DIR [--seller NAME | --collection ID] [--style NAME] [--skip IDS|FILE]
[--templates DIR] [--hugo]``: the collection as Markdown pages for Hugo.

Delegates to :mod:`discogs_harvest.site` (no crawler is started, nothing reaches the network):
reads ``DATABASE_URL`` (checked as ``scrapy crawl`` checks it), ``IMAGES_STORE`` (artwork
already downloaded with ``-s DOWNLOAD_IMAGES=1``) and ``SITE_TEMPLATES_DIR``. Prints one
line: pages written, unchanged, removed. A problem is one ``error:`` line and exit 2.

``--skip`` takes release ids (``1,2,3``) or a file of them (one per line, ``#`` comments).
``--hugo`` also copies the project's Hugo skeleton (``hugo/``: config and layouts) into
OUTPUT_DIR where its files are missing, so ``hugo -s OUTPUT_DIR`` builds it.
"""

import re
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from discogs_harvest.console import quiet_console
from discogs_harvest.database import check_database, open_database
from discogs_harvest.exceptions import HarvestConfigError
from discogs_harvest.project import PACKAGE_PARENT

DEFAULT_LOCK_TIMEOUT = 5.0
SKELETON = PACKAGE_PARENT / "hugo"


def parse_skip(value):
    """Release ids (str) from ``"1, 2"`` or from a file of them; HarvestConfigError otherwise."""
    if not value:
        return set()
    path = Path(value)
    if path.is_file():
        text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    elif re.fullmatch(r"[\d,\s]+", value):
        text = value
    else:
        raise HarvestConfigError(f"--skip {value!r} is neither release ids (1,2,3) nor a file of them")
    ids = set()
    for token in re.split(r"[\s,]+", text.strip()):
        if token:
            if not token.isdigit():
                raise HarvestConfigError(f"--skip: {token!r} is not a release id")
            ids.add(str(int(token)))
    return ids


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self):
        return "OUTPUT_DIR [options]"

    def short_desc(self):
        return "Render the collection as Markdown pages with YAML front matter, ready for Hugo"

    def process_options(self, args, opts):
        super().process_options(args, opts)
        quiet_console(self.settings)  # Scrapy's start-up lines stay out of the console, as in crawl

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--seller", help="only this seller's listings (with their prices)")
        parser.add_argument("--collection", help="only albums of this collection (collection_items.collection_id)")
        parser.add_argument("--style", help="only albums of this style")
        parser.add_argument("--skip", help="release ids to leave out: 1,2,3 or a file of ids")
        parser.add_argument("--templates", help="a folder of templates overriding the built-in ones")
        parser.add_argument("--hugo", action="store_true", help="copy the Hugo skeleton (config, layouts) too")

    def run(self, args, opts):
        from discogs_harvest.site.collect import Scope, collect
        from discogs_harvest.site.pages import site_pages
        from discogs_harvest.site.render import copy_skeleton, write_site

        if len(args) != 1:
            raise UsageError("give the output folder: scrapy site OUTPUT_DIR")
        url = self.settings.get("DATABASE_URL")
        templates = opts.templates or self.settings.get("SITE_TEMPLATES_DIR") or None
        try:
            if opts.seller and opts.collection:
                raise HarvestConfigError("--seller and --collection both name a collection: give one")
            if templates and not Path(templates).is_dir():
                raise HarvestConfigError(f"templates folder {templates!r} does not exist")
            output = Path(args[0])
            if output.exists() and not output.is_dir():
                raise HarvestConfigError(f"{output} is a file, not a folder")
            skip = parse_skip(opts.skip)
            check_database(url, self.settings.getfloat("DATABASE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
            open_database(url).close()
        except HarvestConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        store = Path(self.settings.get("IMAGES_STORE"))
        available = {str(p.relative_to(store)) for p in store.rglob("*.jpg")} if store.is_dir() else set()
        data = collect(url, Scope(opts.seller, opts.collection, opts.style, skip))
        report = write_site(site_pages(data, available, seller=opts.seller), output, store, templates)
        if opts.hugo:
            copy_skeleton(SKELETON, output)
        print(report.line())
