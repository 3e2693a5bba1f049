"""Test hook: stop a workflow step at a chosen point, so that a test can kill it exactly there.

Active only with ASTRONET_TEST_PAUSE="MODULE|POINT|MARKER" in the environment and this directory on
PYTHONPATH (tests/test_interrupted.py sets both). When MODULE is first imported, POINT is wrapped:
on reaching it the process writes its pid to MARKER and sleeps until it is killed. Processes that
never import MODULE (Snakemake itself) are not affected.
"""

import os

_SPEC = os.environ.get("ASTRONET_TEST_PAUSE")

if _SPEC:
    import importlib.abc
    import importlib.util
    import sys
    import time
    from pathlib import Path

    _MODULE, _POINT, _MARKER = _SPEC.split("|")

    def _pause():
        Path(_MARKER).write_text(str(os.getpid()))
        time.sleep(3600)

    def _patch(module):
        if _POINT == "build":  # astronet.network: nodes created, connecting
            real_connect = module.Network.connect

            def connect(self, *args, **kwargs):
                _pause()
                return real_connect(self, *args, **kwargs)

            module.Network.connect = connect
        elif _POINT in ("before_publish", "after_publish"):  # astronet.network, which simulate imports late
            recording = sys.modules["astronet.recording"]
            real_publish = recording.publish

            def publish(out):
                if _POINT == "before_publish":
                    _pause()
                real_publish(out)
                if _POINT == "after_publish":
                    _pause()

            recording.publish = publish
        elif _POINT == "moving_outputs":  # astronet.aggregate: two outputs moved in place, three to go
            real_os = module.os

            class _Os:
                def __getattr__(self, name):
                    return getattr(real_os, name)

                def replace(self, src, dst):
                    real_os.replace(src, dst)
                    if Path(dst).name == "astrocytes.parquet":
                        _pause()

            module.os = _Os()
        else:
            raise ValueError(f"unknown pause point {_POINT!r}")

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != _MODULE:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            real_exec = spec.loader.exec_module

            def exec_module(module):
                real_exec(module)
                _patch(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())
