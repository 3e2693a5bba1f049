"""Files written in one step: a reader (or a rerun after a crash) sees the old file or the new, never a part."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path) -> Iterator[Path]:
    """A temporary sibling of ``path`` to write to. When the block ends without error it replaces
    ``path`` (``os.replace``, atomic within a file system); on any error, a full disk or Ctrl-C
    included, it is removed and ``path`` is left as it was."""
    path = Path(path)
    # the suffix kept last: readers and writers that go by it (pynwb wants .nwb) see the same kind
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
