"""Keep optional packages out of the simulation process: the one place that touches the import system.

PyNEST imports pandas and matplotlib at ``import nest`` whenever they are installed (optional output
formats, plotting helpers), and PyArrow imports pandas on its first conversion from NumPy (its pandas
shim asks whether pandas is there). A simulation uses neither. Measured by
``benchmarks/optional_imports.py`` (full scale, n_vp 2, 2026-12-02): peak memory 1 682 MiB with them
skipped, 1 737 MiB with them imported: 55 MiB, 3.1 % of the simulation's peak, which also sets the
Slurm memory request (wall time: the same within noise). A bare ``import nest`` peaks at 166 MiB with
them and 74 MiB without.

``skip_imports`` makes ``import NAME`` raise ``ModuleNotFoundError`` from then on, which NEST and
PyArrow take as "not installed". (``sys.modules[NAME] = None`` would say the same to ``import``, but
PyArrow's shim reads ``sys.modules`` directly and fails on the ``None``.)
"""

from __future__ import annotations

import importlib.abc
import sys


class _Skipped(importlib.abc.MetaPathFinder):
    def __init__(self, names, reason):
        self.names = frozenset(names)
        self.reason = reason

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not imported in this process ({self.reason})", name=fullname)
        return None


def skip_imports(*names: str, reason: str) -> None:
    """Make ``import NAME`` fail from now on in this process, for each name not imported already.

    The import of a skipped package or any of its submodules raises ``ModuleNotFoundError``, whose
    message gives ``reason``.

    Parameters
    ----------
    *names : str
        Top-level package names, e.g. ``"pandas"``.
    reason : str
        Why they are not imported, for the error's message.
    """
    skipped = [name for name in names if name not in sys.modules]
    if skipped:
        sys.meta_path.insert(0, _Skipped(skipped, reason))
