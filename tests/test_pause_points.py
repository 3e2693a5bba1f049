"""astronet.runtime.pause_points: a run stops only at the point the environment names, and a name that is
not a point fails loudly (the kill tests of tests/test_interrupted.py depend on both). No NEST."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from astronet.runtime import pause_points

SRC = Path(pause_points.__file__).resolve().parents[1]  # src/astronet


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.delenv(pause_points.PAUSE_AT, raising=False)
    monkeypatch.delenv(pause_points.PAUSE_MARKER, raising=False)


def test_without_the_environment_every_point_returns(no_pause):
    for name in pause_points.POINTS:
        pause_points.reached(name)
    assert pause_points.requested() is None


def test_another_point_than_the_named_one_returns(no_pause, monkeypatch, tmp_path):
    monkeypatch.setenv(pause_points.PAUSE_AT, "moving_outputs")
    monkeypatch.setenv(pause_points.PAUSE_MARKER, str(tmp_path / "paused"))
    pause_points.reached("build")
    assert not (tmp_path / "paused").exists()


def test_unknown_point_in_the_environment_fails(no_pause, monkeypatch, tmp_path):
    monkeypatch.setenv(pause_points.PAUSE_AT, "building")  # e.g. a point that was renamed
    monkeypatch.setenv(pause_points.PAUSE_MARKER, str(tmp_path / "paused"))
    for name in pause_points.POINTS:
        with pytest.raises(ValueError, match="'building' names no pause point; the points are build, "):
            pause_points.reached(name)
    assert not (tmp_path / "paused").exists()


def test_unknown_point_in_the_code_fails(no_pause):
    with pytest.raises(ValueError, match="not a pause point"):
        pause_points.reached("no_such_point")


def test_named_point_without_marker_fails(no_pause, monkeypatch):
    monkeypatch.setenv(pause_points.PAUSE_AT, "build")
    with pytest.raises(ValueError, match=pause_points.PAUSE_MARKER):
        pause_points.reached("build")


def test_every_point_is_reached_once_in_the_code_and_documented():
    calls = {}
    for path in SRC.rglob("*.py"):
        for name in re.findall(r"pause_points\.reached\(\"(\w+)\"\)", path.read_text()):
            calls.setdefault(name, []).append(path.name)
    assert {name: len(files) for name, files in calls.items()} == dict.fromkeys(pause_points.POINTS, 1)
    for name in pause_points.POINTS:
        assert f"``{name}``\n" in pause_points.__doc__


def start_paused(point: str, marker: Path) -> tuple[subprocess.Popen, dict, str]:
    """A Python process that reaches ``point`` with the environment naming it, once it has paused
    there (its marker exists); with that environment and its code, which prints 'went on' after."""
    env = {**os.environ, pause_points.PAUSE_AT: point, pause_points.PAUSE_MARKER: str(marker)}
    code = f"from astronet.runtime import pause_points; pause_points.reached('{point}'); print('went on')"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    end = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            pytest.fail("the process ended instead of pausing" if proc.poll() is not None else "no marker")
        time.sleep(0.01)
    return proc, env, code


def test_the_named_point_writes_the_pid_and_sleeps_until_killed(tmp_path):
    marker = tmp_path / "paused"
    proc, env, code = start_paused("after_publish", marker)
    try:
        assert int(marker.read_text()) == proc.pid
        time.sleep(0.5)
        assert proc.poll() is None  # still paused
    finally:
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
    assert proc.returncode == -signal.SIGKILL and "went on" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [".paused.claimed", "paused"]  # no temporary file left

    # Only the first process pauses: another (a rank behind, a retry) goes on.
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "went on" in again.stdout, again.stderr
    assert int(marker.read_text()) == proc.pid


def test_removing_the_marker_releases_the_paused_process(tmp_path):
    marker = tmp_path / "paused"
    proc, _, _ = start_paused("build", marker)
    try:
        time.sleep(0.3)
        assert proc.poll() is None  # paused
        marker.unlink()
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "went on" in out
