"""A dump file cut into its records, streamed: ``.xml`` or ``.xml.gz``, memory flat.

A releases dump is one ``<releases>`` root holding millions of ``<release id=".." ..>``
elements. :class:`DumpReader` reads the (decompressed) bytes in blocks and cuts them at
``<release `` and ``</release>``: in XML a literal ``<`` never occurs in text (it is written
``&lt;``), so ``</release>`` can only be that element's end tag, and release elements do not
nest. Each record comes out as its bytes with the offset just past its end tag, so

- a selective import decides from the bytes (:mod:`.selection`) and never parses the rest;
- an import can commit "everything up to offset N" and a resumed one starts at N: a plain
  file is seeked, a gzip file is decompressed up to N without parsing (the cost of parsing,
  not of decompressing, is what a restart must not repeat);
- memory holds one block and one batch, whatever the file's size.

The records are parsed a batch at a time with ``lxml`` (:func:`parse_batch`), the batch's tree
dropped after use: what ``iterparse`` with element clearing achieves, without losing the
offsets. Progress reads :attr:`DumpReader.bytes_read`, the bytes of the file itself (compressed
ones for ``.gz``), against its size.

A file that ends inside a record, or without its closing root tag, or whose gzip stream is
cut or corrupt, raises :class:`DumpError` with one line; records before the damage came out.
"""

import gzip
import os
import zlib

from lxml import etree

BLOCK = 1 << 20  # bytes read at a time
GZIP_MAGIC = b"\x1f\x8b"


class DumpError(Exception):
    """The file is not a whole, well-formed dump (truncated, corrupt, not a dump)."""


def is_gzip(path):
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


class DumpReader:
    """Records of ``tag`` (``release``, ``master``) in ``path``, from uncompressed ``offset``."""

    def __init__(self, path, tag="release", offset=0):
        self.path = path
        self.size = os.path.getsize(path)
        self.start = f"<{tag} ".encode()
        self.end = f"</{tag}>".encode()
        self.root_end = f"</{tag}s>".encode()
        self.offset = offset
        self.raw = open(path, "rb")
        self.gzip = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(0)
        self.stream = gzip.GzipFile(fileobj=self.raw, mode="rb") if self.gzip else self.raw

    @property
    def bytes_read(self):
        """Bytes of the file read so far (compressed bytes for a .gz)."""
        return self.raw.tell()

    def close(self):
        self.stream.close()
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _read(self, size):
        try:
            return self.stream.read(size)
        except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise DumpError(f"{os.path.basename(self.path)}: the compressed data is cut or corrupt "
                            f"after {self.position:,} bytes of XML ({exc})") from None

    def _skip(self):
        """Move to :attr:`offset` (seek a plain file; decompress without parsing a gzip one)."""
        if not self.offset:
            return
        if not self.gzip:
            self.raw.seek(self.offset)
            return
        left = self.offset
        while left:
            block = self._read(min(BLOCK, left))
            if not block:
                raise DumpError(f"{os.path.basename(self.path)}: shorter than the {self.offset:,} bytes "
                                "an earlier import committed: not the same file")
            left -= len(block)

    def records(self):
        """``(end_offset, record_bytes)`` for each record, in file order."""
        self.position = self.offset
        self._skip()
        buffer = b""
        base = self.offset  # file offset of buffer[0]
        seen_root_end = False
        while True:
            block = self._read(BLOCK)
            if not block:
                break
            buffer += block
            index = 0
            while True:
                start = buffer.find(self.start, index)
                if start < 0:
                    break
                stop = buffer.find(self.end, start)
                if stop < 0:
                    index = start
                    break
                stop += len(self.end)
                self.position = base + stop
                yield base + stop, buffer[start:stop]
                index = stop
            seen_root_end = seen_root_end or self.root_end in buffer[index:]
            if self.start not in buffer[index:]:
                # Keep a tail that may hold the beginning of "<release " cut by the block edge.
                index = max(index, len(buffer) - len(self.start))
            base += index
            buffer = buffer[index:]
        rest = buffer.strip()
        if self.start in rest or not (seen_root_end or rest.endswith(self.root_end)):
            raise DumpError(f"{os.path.basename(self.path)}: truncated: the file ends after "
                            f"{self.position:,} bytes of XML, inside a record or before its closing "
                            f"{self.root_end.decode()}")


_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)


def parse_batch(records, root=b"releases"):
    """The elements of a list of record bytes, parsed in one call; DumpError if malformed."""
    try:
        tree = etree.fromstring(b"<%s>%s</%s>" % (root, b"".join(records), root), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise DumpError(f"malformed XML in a record: {exc}") from None
    return list(tree)
