"""The `snakemake` examples of README.md, the pages under docs/, config/README.md and the configuration
files' comments: targets come first (`--config` and `--configfile` take every word after them), as
Snakemake's own parser reads them, and each example that needs no cluster, MPI or container runs as
a dry run."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from snakemake.cli import get_argument_parser

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "config" / "README.md"]
CONFIG_FILES = sorted((REPO / "config").glob("*.yaml"))


def _commands(path: Path) -> list[str]:
    """Every shell command of the file that runs snakemake: lines of its code blocks (```bash, or
    indented by four spaces) and of its comments (`#   snakemake ...`), continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    lines = []
    if path.suffix == ".md":
        lines += [line for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S) for line in block.splitlines()]
        lines += re.findall(r"^    (\S*snakemake .*)$", text, flags=re.M)
    else:
        lines += re.findall(r"^\s*#\s+(\S*snakemake .*?)(?:\s{2,}\(.*)?$", text, flags=re.M)
    commands = []
    for line in lines:
        words = shlex.split(line, comments=True)
        if words and Path(words[0]).name == "snakemake" and "|" not in words:
            commands.append(shlex.join(words))
    return commands


EXAMPLES = sorted({(path.relative_to(REPO).as_posix(), cmd) for path in DOCS + CONFIG_FILES for cmd in _commands(path)})


def test_examples_are_found():
    sources = {source for source, _ in EXAMPLES}
    pages = {"README.md", "config/README.md", "config/config.yaml"}
    pages |= {f"docs/{name}.md" for name in ("configuration", "jiang2025", "cluster", "performance", "getting-started")}
    assert pages <= sources, pages - sources
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize("source, command", EXAMPLES, ids=[f"{s}: {c}" for s, c in EXAMPLES])
def test_targets_come_before_the_options(source, command):
    words = shlex.split(command)[1:]
    args = get_argument_parser().parse_args(words)
    leading = []
    for word in words:
        if word.startswith("-"):
            break
        leading.append(word)
    assert list(args.targets or []) == leading, f"{source}: targets after an option in {command!r}"
    for path in args.configfile or []:
        assert str(path).endswith((".yaml", ".yml")), f"{source}: {path} read as a configuration file"
    for setting in args.config or []:
        assert "=" in setting, f"{source}: {setting!r} read as a --config setting"
    # a local run needs --cores (a profile sets its jobs)
    assert args.cores or args.workflow_profile, f"{source}: no --cores in {command!r}"


def _runnable(command: str) -> bool:
    """Examples a dry run on this machine can check: no cluster profile, container or MPI ranks."""
    return not re.search(r"--workflow-profile|--sdm|--software-deployment-method|mpi_ranks|--report", command)


RUNNABLE = [(s, c) for s, c in EXAMPLES if _runnable(c)]


@pytest.mark.slow
@pytest.mark.parametrize("source, command", RUNNABLE, ids=[f"{s}: {c}" for s, c in RUNNABLE])
def test_example_runs_as_written(source, command, tmp_path):
    """The example as a dry run from a copy of the repository's configuration (my_config.yaml: a
    user's file of one override)."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "my_config.yaml").write_text("params: {sim_time: 200.0}\n")
    words = shlex.split(command)
    cmd = [sys.executable, "-m", "snakemake", *words[1:], "--snakefile", str(REPO / "Snakefile"), "--dry-run"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env={**os.environ}, timeout=300)
    out = proc.stdout + proc.stderr
    if "scale10" in command and "this machine has available (MemAvailable)" in out:
        pytest.skip("the scale-10 network needs about 16 GiB free; the refusal names its estimate")
    assert proc.returncode == 0, f"{source}: {command}\n{out[-3000:]}"
    assert "Warning" not in out and "warning" not in out, out[-3000:]
