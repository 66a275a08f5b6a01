"""``scrapy import_dump PATH``: a Discogs releases dump into the harvest's tables, no request sent.

Options: ``--checksum CHECKSUM.txt`` (Discogs' published SHA-256 list: the file is checked
before anything is imported), ``--ids FILE`` / ``--referenced`` / ``--style S`` ``--genre G``
(which releases: default all), ``--dump-date YYYY-MM-DD`` (else from the file name).
Delegates to :class:`discogs_harvest.dump.importer.ReleaseDumpImporter`; a masters, artists or
labels dump (told by its name or root element) goes to
:func:`discogs_harvest.dump.entities.import_entities` (tables ``masters``, ``artists``, ``labels``,
the ones the API fills, a record the API gave kept as it is; the selection options apply to
releases only).

Exit statuses as ``scrapy crawl``'s: 0 imported, 2 bad input (no such file, a checksum that
does not match, a truncated or corrupt file: one ``error:`` line; what was committed stays and
the next run resumes after it).
"""

import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from discogs_harvest.database import check_database, open_database
from discogs_harvest.exceptions import HarvestConfigError

DEFAULT_LOCK_TIMEOUT = 5.0


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_LEVEL": "INFO"}

    def syntax(self):
        return "[options] PATH"

    def short_desc(self):
        return "Import a Discogs monthly dump (releases, masters, artists, labels; .xml or .xml.gz)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--checksum", metavar="FILE", help="Discogs' CHECKSUM.txt: verify the dump first")
        parser.add_argument("--ids", metavar="FILE", help="import only the release ids in FILE (one a line)")
        parser.add_argument("--referenced", action="store_true",
                            help="import only releases the database references (listings, collection, wants)")
        parser.add_argument("--style", help="import only releases with one of these styles (comma-separated)")
        parser.add_argument("--genre", help="import only releases with one of these genres (comma-separated)")
        parser.add_argument("--dump-date", help="the dump's date, YYYY-MM-DD (default: from the file name)")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one dump file: scrapy import_dump PATH")
        from discogs_harvest.dump.checksum import verify
        from discogs_harvest.dump.entities import import_entities, kind_of
        from discogs_harvest.dump.importer import ReleaseDumpImporter
        from discogs_harvest.dump.reader import DumpError
        from discogs_harvest.dump.selection import selection_for
        from discogs_harvest.freshness import database_for

        path = args[0]
        url = self.settings.get("DATABASE_URL")
        try:
            check_database(url, self.settings.getfloat("DATABASE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
            open_database(url).close()
            database_for(url)
            if opts.checksum:
                verify(path, opts.checksum)
            kind = kind_of(path)
            if kind != "releases":
                written, kept = import_entities(self.settings, path, kind, opts.dump_date)
                print(f"Imported {written:,} {kind} from {path} into {kind} "
                      f"({kept:,} kept as fetched from the API); 0 API requests")
                return
            selection = selection_for(opts.ids, opts.referenced, opts.style, opts.genre)
            state = ReleaseDumpImporter(self.settings, path, selection, opts.dump_date).run()
        except (HarvestConfigError, DumpError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        print(f"Imported {state.imported:,} of {state.records:,} releases from {state.name} "
              f"(dump of {state.dump_date}; {state.kept:,} kept as fetched from the API); 0 API requests")
