"""Running the real ``grade`` command in a child process, as a user would, for the tests that need its output.

One copy of the environment (UTF-8 output, a wide terminal so rich wraps nothing a
test looks for) and of the finished process's record, shared by every such test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FINISH_TIMEOUT_S = 300
"""Longest a started command may take; a hung grader fails the test instead of hanging it."""


@dataclass(frozen=True)
class Outcome:
    """How one ``grade`` command ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def start_grade(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """``grade ARGS`` started in the background, so a test module can run several at once."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "250"}
    return subprocess.Popen(
        [sys.executable, "-m", "grader.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )


def finish(process: subprocess.Popen[str]) -> Outcome:
    """Wait for a started command and keep what it printed."""
    stdout, stderr = process.communicate(timeout=FINISH_TIMEOUT_S)
    return Outcome(process.returncode, stdout, stderr)
