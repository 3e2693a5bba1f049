"""Lean worker processes: no imports they do not need.

PyNEST imports pandas and matplotlib whenever they are installed (optional output formats, plotting
helpers), and PyArrow imports pandas on its first conversion from or to NumPy or Python objects
(its pandas shim asks whether pandas is there). A simulation, an aggregation or a figure job never
uses pandas, but each would pay ~0.4 s and ~40 MiB for it (matplotlib: another ~0.1 s, ~10 MiB).
Their entry points therefore hide these modules: ``import pandas`` raises ``ModuleNotFoundError``,
which NEST and PyArrow take as "not installed".

``to_numpy`` / ``read_columns`` turn Arrow columns into NumPy arrays (zero-copy for numeric columns)
and read Parquet through ``ParquetFile`` (``pyarrow.parquet.read_table`` goes through
``pyarrow.dataset``, a heavier import).
"""

from __future__ import annotations

import importlib.abc
import sys

import numpy as np
import pyarrow as pa


class _HiddenModules(importlib.abc.MetaPathFinder):
    def __init__(self, names, reason):
        self.names = frozenset(names)
        self.reason = reason

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is hidden in this process ({self.reason})", name=fullname)
        return None


def hide_modules(*names: str, reason: str = "astronet.lean.hide_modules") -> None:
    """Make ``import NAME`` fail from now on in this process, for each name not imported already."""
    hidden = [name for name in names if name not in sys.modules]
    if hidden:
        sys.meta_path.insert(0, _HiddenModules(hidden, reason))


def _numpy_dtype(arrow_type: pa.DataType) -> np.dtype | None:
    if pa.types.is_floating(arrow_type) and arrow_type.bit_width in (32, 64):
        return np.dtype(f"f{arrow_type.bit_width // 8}")
    if pa.types.is_integer(arrow_type):
        kind = "i" if pa.types.is_signed_integer(arrow_type) else "u"
        return np.dtype(f"{kind}{arrow_type.bit_width // 8}")
    return None


def to_numpy(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A NumPy array of the column's values (a read-only view where possible)."""
    array = column
    if isinstance(column, pa.ChunkedArray):
        array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    dtype = _numpy_dtype(array.type)
    if dtype is None or array.null_count:
        if pa.types.is_dictionary(array.type):
            return np.asarray(array.to_pylist(), dtype=object)
        return array.to_numpy(zero_copy_only=False)
    if len(array) == 0:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def read_columns(path, columns=None) -> dict[str, np.ndarray]:
    """A Parquet file as ``{column: NumPy array}``, read through ``ParquetFile``."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read(columns=columns)
    return {name: to_numpy(table.column(name)) for name in table.column_names}
