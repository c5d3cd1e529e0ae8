"""The source ids a run has read, to find the products gone from the source when it ends.

A full run reads every id of the catalog. Kept as strings they cost ~100 bytes each, and worse,
living to the end of the run among each page's short-lived objects they pin the allocator's
memory, so RSS grows with the catalog. Kept as 8-byte hashes in one array they cost 0.8 MB for
100,000 products. Two ids with one hash (odds about 1 in 3 x 10^9 at 100,000 ids) can only make
a product gone from the source look present: it is left as it is, never wrongly drafted or
trashed.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left


def _hash(source_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(source_id.encode(), digest_size=8).digest(), "big", signed=True)


class SeenIds:
    """`add` ids as they are read; `in` once the reading is done (the first lookup sorts)."""

    def __init__(self) -> None:
        self._hashes = array("q")
        self._sorted = True

    def __len__(self) -> int:
        return len(self._hashes)

    def add(self, source_id: str) -> None:
        self._hashes.append(_hash(source_id))
        self._sorted = False

    def __contains__(self, source_id: object) -> bool:
        if not isinstance(source_id, str):
            return False
        if not self._sorted:
            self._hashes = array("q", sorted(self._hashes))
            self._sorted = True
        wanted = _hash(source_id)
        at = bisect_left(self._hashes, wanted)
        return at < len(self._hashes) and self._hashes[at] == wanted
