"""The conda environment for clusters pins the same versions as the local install."""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _conda() -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs" / "astronet.yaml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        specs = dep["pip"] if isinstance(dep, dict) else [dep]
        for spec in specs:
            m = re.match(r"([A-Za-z0-9_.-]+)(==|=)([0-9][^=\s]*)", spec)
            if m:
                pins[m.group(1).lower()] = m.group(3)
    return pins


def _development_tools() -> set[str]:
    """Distributions of pyproject's test, lint, docs and dev extras that no other extra needs: pytest,
    the linters, Sphinx. The jobs' environment goes without them."""
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {
        re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
        for e in ("test", "lint", "docs", "dev")
        for spec in extras[e]
    }
    return names - {"astronet", "psutil"}


def test_conda_environment_matches_requirements():
    req, conda, dev = _requirements(), _conda(), _development_tools()
    assert {"pytest", "ruff", "sphinx"} <= dev
    assert not dev & set(conda), f"development tools in envs/astronet.yaml: {sorted(dev & set(conda))}"
    jobs = set(req) - dev
    assert jobs <= set(conda), f"missing in envs/astronet.yaml: {sorted(jobs - set(conda))}"
    for name in jobs:
        assert conda[name] == req[name], f"{name}: requirements.txt {req[name]}, envs/astronet.yaml {conda[name]}"


# Declared in pyproject.toml but deliberately not pinned: astronet itself (extras naming extras),
# psutil (comes with Snakemake) and pre-commit (the developer's git hook; `make lint` runs the tools).
NOT_PINNED = {"astronet", "psutil", "pre-commit"}


def test_pyproject_dependencies_are_pinned_in_requirements():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    names = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower() for spec in declared}
    req = _requirements()
    assert names - NOT_PINNED <= set(req), f"not pinned in requirements.txt: {sorted(names - NOT_PINNED - set(req))}"
    for spec in project["dependencies"]:  # lower bounds, never a pin: requirements.txt is the lock
        assert "==" not in spec, spec


# Import name -> distribution (requirements.txt's names), for the modules the jobs import.
DISTRIBUTIONS = {
    "nest": "nest-simulator",
    "numpy": "numpy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "matplotlib": "matplotlib",
    "scipy": "scipy",
    "jsonschema": "jsonschema",
    "yaml": "pyyaml",
    "snakemake": "snakemake",
    "neo": "neo",
    "quantities": "quantities",
    "elephant": "elephant",
    "pynwb": "pynwb",
    "hdmf": "hdmf",
    "pytest": "pytest",
    "psutil": "snakemake",  # a dependency of Snakemake (benchmarks only)
}


def _third_party_imports(paths) -> set[str]:
    import ast
    import sys

    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "astronet"}


def test_conda_environment_has_what_the_jobs_import():
    """Every module imported by astronet (whose steps every job runs) is in envs/astronet.yaml, and
    Snakemake, for the environment on its own; the environment gets astronet itself from its
    post-deploy script, which Snakemake runs after creating it."""
    imports = _third_party_imports((REPO / "src" / "astronet").rglob("*.py"))
    unknown = imports - set(DISTRIBUTIONS)
    assert not unknown, f"add the distribution of {sorted(unknown)} to DISTRIBUTIONS and the environment"
    conda = _conda()
    missing = {DISTRIBUTIONS[name] for name in imports | {"snakemake"}} - set(conda)
    assert not missing, f"missing in envs/astronet.yaml: {sorted(missing)}"
    script = REPO / "envs" / "astronet.post-deploy.sh"
    assert 'pip install --no-deps --no-build-isolation -e "$ASTRONET_SOURCE"' in script.read_text()
    env = {k: v for k, v in os.environ.items() if k != "ASTRONET_SOURCE"}
    unset = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert unset.returncode != 0 and "ASTRONET_SOURCE: not set" in unset.stderr, unset.stderr
    for rule_file in (REPO / "workflow" / "rules").glob("*.smk"):
        for env in re.findall(r'conda:\s*\n\s*"([^"]+)"', rule_file.read_text()):
            assert (rule_file.parent / env).resolve() == REPO / "envs" / "astronet.yaml", rule_file.name


def test_rules_run_python_from_path_not_snakemakes_interpreter():
    for rule_file in (REPO / "workflow" / "rules").glob("*.smk"):
        text = rule_file.read_text()
        assert "sys.executable" not in text and "params.python" not in text, rule_file.name


def test_container_definition_uses_the_pins_and_files_of_the_repository():
    definition = (REPO / "containers" / "astronet.def").read_text()
    files = re.search(r"%files\n(.*?)\n%", definition, flags=re.S).group(1).split("\n")
    for line in filter(str.strip, files):
        assert (REPO / line.split()[0]).exists(), line
    assert "pip install -q -r /opt/astronet/requirements.txt" in definition
    assert "tools/build_nest.sh --mpi" in definition and "have_mpi" in definition
    # the Snakefile's container: is this image (with --sdm apptainer)
    from astronet.runtime.deployment import container_image

    assert "container: lambda wildcards: container_image(" in (REPO / "Snakefile").read_text()
    assert container_image(str(REPO), {"APPTAINER"}, environ={}) == str(REPO / "containers" / "astronet.sif")


def test_snakemakes_environment_is_put_on_path_only_when_not_active(tmp_path):
    from astronet.runtime.deployment import prepare_job_environment

    env_bin, other = tmp_path / "venv" / "bin", tmp_path / "other" / "bin"
    env_bin.mkdir(parents=True)
    other.mkdir(parents=True)
    python = str(env_bin / "python")
    inactive = {"PATH": f"{other}:/usr/bin"}
    prepare_job_environment(str(tmp_path), inactive, python)
    assert inactive["PATH"] == f"{env_bin}:{other}:/usr/bin" and inactive["ASTRONET_SOURCE"] == str(tmp_path)
    active = {"PATH": f"{other}:{env_bin}:/usr/bin"}  # another environment activated in front of it
    prepare_job_environment(str(tmp_path), active, python)
    assert active["PATH"] == f"{other}:{env_bin}:/usr/bin"
