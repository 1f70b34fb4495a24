"""The fixture module that every end-to-end test runs commands through: bounded waits, checked exit codes, its environment."""

from __future__ import annotations

import subprocess
import sys

import pytest
from grade_command import command_env, finish, run, start


def test_a_command_past_its_timeout_fails_the_test_and_is_killed() -> None:
    process = start([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(subprocess.TimeoutExpired):
        finish(process, timeout=0.5)
    assert process.returncode is not None and process.returncode < 0


def test_an_unexpected_exit_code_fails_with_the_end_of_what_the_command_printed() -> None:
    with pytest.raises(AssertionError, match=r"exited 3 \(expected 0\):\nout\n\nerr"):
        run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], expect=0)


def test_the_environment_is_utf8_and_wide_and_a_none_removes_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    env = command_env({"PYTHONPATH": None, "EXTRA": "1"})
    assert "PYTHONPATH" not in env and env["EXTRA"] == "1"
    assert env["PYTHONIOENCODING"] == "utf-8" and env["COLUMNS"] == "250"
