"""The tables of dump imports (added by ``scrapy import_dump``; created on first use)."""

from peewee import DateTimeField, IntegerField, TextField

from discogs_harvest.models import BaseModel, utcnow


class DumpImport(BaseModel):
    """One import of one dump file: where the last committed batch ended, so a killed import
    resumes there. Written in the same transaction as the batch it describes."""

    name = TextField()  # the file's name: discogs_20200806_releases.xml.gz
    size = IntegerField()  # its size in bytes: the same name with another size is another file
    kind = TextField()  # releases, masters, artists, labels
    selection = TextField()  # what was selected (a resumed import must select the same)
    dump_date = TextField(null=True)  # YYYY-MM-DD
    offset = IntegerField(default=0)  # uncompressed bytes done: the end of the last committed record
    records = IntegerField(default=0)  # records read up to offset
    imported = IntegerField(default=0)  # records written
    kept = IntegerField(default=0)  # records skipped because the API's version is stored
    started_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)

    class Meta:
        table_name = "dump_imports"
        indexes = ((("name", "size", "kind"), True),)
