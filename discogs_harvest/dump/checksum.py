"""Discogs' ``discogs_<YYYYMMDD>_CHECKSUM.txt``: ``<sha256 hex>  <file name>`` a line.

:func:`verify` hashes the file (1 MB blocks, ``hashlib.sha256``) and compares it with the line
naming the file; a missing line or a different digest is one :class:`HarvestConfigError`.
"""

import hashlib
import os

from discogs_harvest.exceptions import HarvestConfigError

BLOCK = 1 << 20


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def published(checksum_path):
    """``{file name: sha256 hex}`` of a CHECKSUM.txt."""
    try:
        with open(checksum_path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise HarvestConfigError(f"cannot read the checksum file {checksum_path}: {exc.strerror}") from None
    sums = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def verify(path, checksum_path):
    name = os.path.basename(path)
    expected = published(checksum_path).get(name)
    if expected is None:
        raise HarvestConfigError(f"{checksum_path} has no line for {name}")
    actual = sha256_of(path)
    if actual != expected:
        raise HarvestConfigError(f"{name} does not match {os.path.basename(checksum_path)}: "
                                 f"SHA-256 {actual}, published {expected} (incomplete or corrupt download)")
    return actual
