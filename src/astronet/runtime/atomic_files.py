"""Files written in one step: a reader (or a rerun after a crash) sees the old file or the new, never a part."""

from __future__ import annotations

import json
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


def write_json_atomic(path, data) -> None:
    """``data`` as JSON (keys sorted, NumPy values as Python values, see :func:`json_default`) into
    ``path``, replaced atomically and synced to disk."""
    with replaced_atomically(path) as tmp, open(tmp, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True, default=json_default)
        fh.flush()
        os.fsync(fh.fileno())


def json_default(value):
    """JSON for what json cannot write: NumPy scalars and arrays as Python values (their ``tolist``),
    anything else as text. NumPy is not imported here: the workflow's start-up uses this module."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
