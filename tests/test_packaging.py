"""The package works when installed from a wheel, not only from this checkout (editable install)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_schema(tmp_path):
    """A non-editable install finds its configuration schema (importlib.resources), far from the checkout."""
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "src"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("astronet-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import astronet.schema as s, astronet.parameters as p\n"
        f"assert s.SCHEMA_PATH.is_file() and not str(s.SCHEMA_PATH).startswith({str(REPO)!r}), s.SCHEMA_PATH\n"
        "print(p.validate_params({'sim_time': 10.0})['sim_time'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}  # found before this checkout's editable install
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "10.0"
