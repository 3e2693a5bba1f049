"""The workflow's steps as `python -m astronet <step>`: every rule runs one with options the step
has, and a job's warnings and errors reach Snakemake's stderr (ASTRONET_ERRORS_FD) as well as its log."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from astronet import cli
from astronet.__main__ import main, parser

REPO = Path(__file__).resolve().parents[1]
RULES = sorted((REPO / "workflow" / "rules").glob("*.smk"))


def steps() -> dict:
    """{step: its argparse parser}."""
    (action,) = [a for a in parser()._actions if a.dest == "step"]
    return dict(action.choices)


def shell_commands(text: str) -> list[str]:
    """The shell command of each rule in a rule file: its string literals joined, or for a rule that
    runs a step through common.smk's ``step(NAME, OPTIONS)``, ``python -m astronet NAME OPTIONS``."""
    blocks = re.findall(r"^    shell:\n((?:(?:        .*)?\n)+)", text, flags=re.MULTILINE)
    commands = []
    for block in blocks:
        literals = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
        if block.strip().startswith("step("):
            commands.append(f"python -m astronet {literals[0]} {''.join(literals[1:])}")
        else:
            commands.append("".join(literals))
    return commands


def step_calls(command: str) -> list[tuple[str, list[str]]]:
    """``python -m astronet STEP --option ...`` calls in a shell command: (step, options)."""
    return [
        (m.group(1), re.findall(r"(?<!\S)--[\w-]+", m.group(2)))
        for m in re.finditer(r"python -m astronet (\S+)((?:(?!python -m |3>&2|&&).)*)", command)
    ]


def test_every_rule_runs_a_step_with_its_options():
    known = steps()
    used = set()
    for path in RULES:
        text = path.read_text()
        assert not re.search(r"^    (script|run|notebook|wrapper):", text, flags=re.MULTILINE), path.name
        for command in shell_commands(text):
            if "python" not in command:
                continue  # run_parameters: printf
            calls = step_calls(command)
            assert calls, f"{path.name}: {command}"
            for step, options in calls:
                assert step in known, f"{path.name}: unknown step {step}"
                accepted = set(known[step]._option_string_actions)
                required = {a.option_strings[0] for a in known[step]._actions if a.required}
                assert set(options) <= accepted, f"{path.name}: {step} has no {sorted(set(options) - accepted)}"
                assert required <= set(options) or "--check-mpi" in options, (
                    f"{path.name}: {step} needs {sorted(required - set(options))}"
                )
                used.add(step)
    assert used == set(known), f"steps no rule runs: {sorted(set(known) - used)}"
    assert not (REPO / "workflow" / "scripts").exists()


@pytest.mark.parametrize("step", sorted(steps()))
def test_each_step_has_help(step, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([step, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m astronet {step} ")
    assert hasattr(cli, step.replace("-", "_"))


def test_bad_options_are_refused_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(
            [
                "metrics",
                "--spikes",
                "s",
                "--astrocytes",
                "a",
                "--neurons",
                "n",
                "--metadata",
                "m",
                "--settings",
                "[1, 2]",
                "--experiment",
                "e",
                "--run",
                "r",
                "--output",
                str(tmp_path / "x"),
            ]
        )
    assert "argument --settings: not a JSON object" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate", "--parameters", "p.json"])
    assert "--output DIR is required" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="one value per run for each option: --runs 2, --metadata 1"):
        main(
            [
                "scaling",
                "--kind",
                "strong",
                "--runs",
                "a",
                "b",
                "--metadata",
                "m.json",
                "--experiment",
                "e",
                "--table",
                "t.csv",
                "--figure",
                "f.png",
            ]
        )


def test_warnings_and_errors_of_a_step_reach_snakemakes_stderr(tmp_path):
    """As a rule runs a step: stdout and stderr into the log, fd 3 Snakemake's stderr. A ResultWarning
    and the error that ends the step go to both."""
    code = (  # the provenance step, warning first
        "import sys; from astronet import cli; from astronet.analysis import advice; "
        "from astronet.__main__ import main; "
        "real = cli.provenance; cli.provenance = lambda **kw: (advice.report('look here'), real(**kw)); "
        "main(sys.argv[1:])"
    )
    log = tmp_path / "step.log"
    command = (
        f'ASTRONET_ERRORS_FD=3 {sys.executable} -c "{code}" provenance --metadata missing.json '
        f"--metrics missing.json --output {tmp_path / 'p.html'} 3>&2 > {log} 2>&1"
    )
    proc = subprocess.run(
        ["bash", "-c", command],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    assert proc.returncode == 1
    text = log.read_text()
    assert "astronet warning: look here" in proc.stderr and "astronet warning: look here" in text
    assert "[provenance] failed: FileNotFoundError" in proc.stderr and "Traceback" in text
    assert "Traceback" not in proc.stderr
