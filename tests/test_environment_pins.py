"""The conda environment for clusters pins the same versions as the local install."""

import re
from pathlib import Path

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


def test_conda_environment_matches_requirements():
    req, conda = _requirements(), _conda()
    assert set(req) <= set(conda), f"missing in envs/astronet.yaml: {sorted(set(req) - set(conda))}"
    for name, version in req.items():
        assert conda[name] == version, f"{name}: requirements.txt {version}, envs/astronet.yaml {conda[name]}"
