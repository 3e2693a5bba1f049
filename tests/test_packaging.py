"""The package works when installed from a wheel, not only from this checkout (editable install)."""

import os
import re
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
        "import astronet.config.schema as s, astronet.config.parameters as p\n"
        f"assert s.SCHEMA_PATH.is_file() and not str(s.SCHEMA_PATH).startswith({str(REPO)!r}), s.SCHEMA_PATH\n"
        "print(p.validate_params({'sim_time': 10.0})['sim_time'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}  # found before this checkout's editable install
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "10.0"
    # One version: pyproject.toml's, read through the installed metadata.
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M).group(1)
    out = subprocess.run(
        [sys.executable, "-m", "astronet", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == f"astronet {version}", out.stderr


def test_make_clean_removes_caches_but_not_results(tmp_path):
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    for d in (".snakemake/metadata", ".pytest_cache", "src/astronet/__pycache__", "results/x", ".venv/lib/__pycache__"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks").mkdir()
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("")
    refused = subprocess.run(["make", "clean"], cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0 and "a snakemake holds .snakemake/locks" in refused.stderr
    assert (tmp_path / ".pytest_cache").is_dir()
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").unlink()
    subprocess.run(["make", "clean"], cwd=tmp_path, capture_output=True, check=True)
    assert not any((tmp_path / d).exists() for d in (".snakemake", ".pytest_cache", "src/astronet/__pycache__"))
    assert (tmp_path / "results" / "x").is_dir() and (tmp_path / ".venv" / "lib" / "__pycache__").is_dir()
