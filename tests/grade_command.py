"""Running the real ``grade`` command (and the other commands end-to-end tests need) in a child process, and reading
what a class run wrote.

One copy of the environment (UTF-8 output, a wide terminal so rich wraps nothing a test looks for), of the
finished process's record, and of the readers of an output folder (``submissions/*.json``, ``gradebook.csv``),
shared by every test module that runs commands as a user would. Every wait is bounded: a hung grader fails
the test, it never hangs CI.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
"""The venv's ``bin/``: its ``grade``, ``nbgrader`` and ``python``."""

FINISH_TIMEOUT_S = 300
"""Longest a started command may take unless its test says otherwise; a hung grader fails the test instead of hanging it."""

OUTPUT_TAIL = 3000
"""How much of a failed command's stdout an assertion message quotes (stderr gets more: the traceback is at its end)."""


@dataclass(frozen=True)
class Outcome:
    """How one command ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def command_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with UTF-8 output and a wide terminal; ``extra`` adds variables (``None`` removes one)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "250"}
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def venv_first_on_path() -> dict[str, str]:
    """``PATH`` with the venv's ``bin/`` first, for commands (nbgrader's kernels) that find ``python`` there."""
    return {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def grade_argv(*args: str | Path, course: Path | None = REPO) -> list[str]:
    """The command line of ``grade --course COURSE ARGS`` (no ``--course`` when ``course`` is None)."""
    where = ["--course", str(course)] if course is not None else []
    return [sys.executable, "-m", "grader.cli", *where, *map(str, args)]


def start(argv: Sequence[str | Path], *, cwd: Path | None = None, env: Mapping[str, str | None] | None = None) -> subprocess.Popen[str]:
    """Any command started in the background with its output captured as text, so a module can run several at once."""
    return subprocess.Popen(
        [str(part) for part in argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=command_env(env),
        cwd=cwd,
    )


def start_grade(*args: str, cwd: Path | None = None, env: Mapping[str, str | None] | None = None) -> subprocess.Popen[str]:
    """``grade ARGS`` (ARGS as typed after ``grade``, ``--course`` included) started in the background."""
    return start(grade_argv(*args, course=None), cwd=cwd, env=env)


def finish(process: subprocess.Popen[str], timeout: float = FINISH_TIMEOUT_S, expect: int | None = None) -> Outcome:
    """Wait for a started command and keep what it printed; past ``timeout`` it is killed and the test fails.

    With ``expect``, the exit code must be that one; the assertion quotes the command and the end of its output.
    """
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    outcome = Outcome(process.returncode, stdout, stderr)
    if expect is not None:
        assert outcome.returncode == expect, (
            f"{' '.join(map(str, process.args))} exited {outcome.returncode} (expected {expect}):\n"
            f"{stdout[-OUTPUT_TAIL:]}\n{stderr[-2 * OUTPUT_TAIL :]}"
        )
    return outcome


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    timeout: float = FINISH_TIMEOUT_S,
    expect: int | None = None,
) -> Outcome:
    """Any command run to its end (bounded by ``timeout``); see :func:`finish` for ``expect``."""
    return finish(start(argv, cwd=cwd, env=env), timeout, expect)


def run_grade(
    *args: str | Path,
    course: Path = REPO,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    timeout: float = FINISH_TIMEOUT_S,
    expect: int | None = None,
) -> Outcome:
    """``grade --course COURSE ARGS`` run to its end (bounded by ``timeout``); see :func:`finish` for ``expect``."""
    return run(grade_argv(*args, course=course), cwd=cwd, env=env, timeout=timeout, expect=expect)


# ---------------------------------------------------------------- a run killed on purpose


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in process group ``pgid``."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def kill_when(argv: Sequence[str], ready: Callable[[], bool], *, timeout: float, env: Mapping[str, str | None] | None = None) -> None:
    """Start ``argv`` in a session of its own, SIGKILL it as soon as ``ready()`` holds, and wait until its group is gone.

    The fork server (same process group) sees its stdin close, ends its jobs and exits by itself; whatever is
    left of the group when the test gives up is killed by the group's id, the id of the command started here.
    """
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=command_env(env), start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run did not get far enough to be killed in time"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        while group_alive(process.pid):
            assert time.monotonic() < deadline, "a process of the killed run outlived it"
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------- what a class run wrote


def record_paths(out: Path) -> list[Path]:
    """The JSON records of a run's ``--out`` folder, in name order."""
    return sorted((out / "submissions").glob("*.json"))


def records_by_file(out: Path) -> dict[str, dict[str, Any]]:
    """Each record, by its file's name (a submission's name made safe for a file system)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in record_paths(out)}


def records_by_submission(out: Path) -> dict[str, dict[str, Any]]:
    """Each record, by the submission's name as recorded (escapes, formula characters and all)."""
    found = {}
    for path in record_paths(out):
        record = json.loads(path.read_text(encoding="utf-8"))
        found[record["submission"]] = record
    return found


def csv_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file the grader wrote, the header first."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def gradebook(out: Path) -> list[list[str]]:
    """``gradebook.csv`` of a run's ``--out`` folder, the header first."""
    return csv_rows(out / "gradebook.csv")


def gradebook_by_submission(out: Path) -> dict[str, dict[str, str]]:
    """``gradebook.csv`` as submission (as the cell reads) -> column -> cell."""
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}
