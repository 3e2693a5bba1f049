"""Files written in one step: a reader (or a rerun after a crash) sees the old file or the new, never a part."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_atomically(path) -> Iterator[Path]:
    """A temporary sibling of ``path`` to write to, which replaces ``path`` when the block succeeds.

    When the block ends without error the temporary file replaces ``path`` (``os.replace``, atomic
    within a file system); on any error, a full disk or Ctrl-C included, it is removed and ``path``
    is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.

    Yields
    ------
    pathlib.Path
        The temporary file to write to: ``.STEM.tmpPID.SUFFIX`` in the directory of ``path`` (the
        suffix kept last, for readers and writers that go by it).
    """
    path = Path(path)
    # the suffix kept last: readers and writers that go by it (pynwb wants .nwb) see the same kind
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(path, data) -> None:
    """Write ``data`` as JSON into ``path``, replaced atomically and synced to disk.

    Keys are sorted, NumPy values written as Python values (see :func:`json_default`), anything else
    JSON cannot write as text.

    Parameters
    ----------
    path : str or os.PathLike
        The JSON file to write (replaced as a whole, see :func:`replaced_atomically`).
    data : object
        What to write: dicts, lists, strings, numbers, None, NumPy scalars and arrays.
    """
    with replaced_atomically(path) as tmp, open(tmp, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True, default=json_default)
        fh.flush()
        os.fsync(fh.fileno())


def json_default(value):
    """JSON for what json cannot write: NumPy scalars and arrays as Python values, anything else as text.

    The ``default`` of :func:`json.dump`. NumPy is not imported here: the workflow's start-up uses
    this module.

    Parameters
    ----------
    value : object
        A value the json module cannot write.

    Returns
    -------
    object
        ``value.tolist()`` for a NumPy scalar or array (a Python number, bool or nested list), else
        ``str(value)``.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
