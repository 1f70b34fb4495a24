"""Hostile *files* (not code) against the real ``grade run``: links, a FIFO, a sparse giant, a class's worth of bulk,
formula and escape-sequence names, and the nbgrader path's linked and oversized notebooks.

Each class is graded once by the command line in a session of its own, with a timeout (a FIFO
that blocks the reader must fail the test, not hang it: the whole session is killed) and its
peak memory reported by a small parent process. Everything hostile lives in the test's temp
folder; the "course solutions" and the "root-only file" a student links to are copies there.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from grade_command import REPO, grade_argv, gradebook_by_submission, records_by_submission
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.course.load import load_course
from grader.platforms.nbgrader_names import solution_id
from grader.submissions import DEFAULT_MAX_SUBMISSION_BYTES, MAX_SOURCE_BYTES

RUN_TIMEOUT = 300
PEAK_RSS_KIB = 1024 * 1024
"""A run that read the 2 GiB file (or a 20 MB cell several times over) goes past 1 GiB; torch in two processes does not."""
SOLUTION = (REPO / "solutions" / "square.py").read_text(encoding="utf-8")
SECRET = "ROOT-ONLY-SECRET-9d2b71"
ESCAPES = "\x1b]0;owned title\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31m"
ESCAPE_NAME = f"esc{ESCAPES}\u202e"
NEWLINE_NAME = "new\n[9 of 9] alice: full marks (forged)"
NOT_UTF8 = os.fsdecode(b"latin1-\xe9l\xe8ve")
"""A folder name in Latin-1, as an old archive tool writes it: recorded as ``latin1-\\xe9l\\xe8ve``."""
FORMULA_NAMES = ('=HYPERLINK("evil.example","x")', "+1", "-2", "@SUM(A1)")
RAISER = f'raise ValueError("{ESCAPES.encode("unicode_escape").decode()}boom\\rFAILED good::square::x")\n'


@dataclass
class Run:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    peak_kib: int
    records: dict[str, dict[str, Any]]
    """Submission name (as recorded) -> its JSON record."""


PEAK_REPORTER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print('peak-kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)
"""Runs the command and reports the largest resident set of it and its descendants. A small parent of its own:
a process forked from pytest would start its high-water mark at pytest's size (Linux keeps it over fork and exec)."""


def _grade(target: Path, out: Path) -> Run:
    """``grade run TARGET`` for square only, bounded in time, with its peak resident memory."""
    command = [sys.executable, "-c", PEAK_REPORTER]
    command += grade_argv("run", target, "--out", out, "--exercise", "square", "--time-limit", "10", "--jobs", "2")
    logs = out.parent / f"{out.name}-stdout.txt", out.parent / f"{out.name}-stderr.txt"
    with logs[0].open("wb") as stdout, logs[1].open("wb") as stderr:
        child = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr, start_new_session=True)
        timer = threading.Timer(RUN_TIMEOUT, lambda: os.killpg(child.pid, signal.SIGKILL))
        timer.start()
        try:
            child.wait()
        finally:
            timer.cancel()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # nothing of the run outlives it, even after a timeout
    read = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    stderr = [line for line in read[1].splitlines(keepends=True) if not line.startswith("peak-kib ")]
    peaks = [int(line.split()[1]) for line in read[1].splitlines() if line.startswith("peak-kib ")]
    return Run(out, child.returncode, read[0], "".join(stderr), peaks[-1] if peaks else 0, records_by_submission(out))


def _square(run: Run, name: str) -> dict[str, Any]:
    exercises: list[dict[str, Any]] = run.records[name]["exercises"]
    return next(e for e in exercises if e["exercise"] == "square")


def _assert_inert(text: str, where: str) -> None:
    bad = sorted({char for char in text if char not in "\n\t" and (ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or char == "\u202e")})
    assert not bad, f"{where} holds control characters {bad}"


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Run:
    base = tmp_path_factory.mktemp("intake")
    class_dir = base / "class"
    _write(base / "course" / "solutions", {"square.py": SOLUTION})
    _write(base / "elsewhere" / "victim", {"square.py": SOLUTION})
    _write(class_dir / "good", {"square.py": SOLUTION})
    (class_dir / "linked_exercises").mkdir()
    (class_dir / "linked_exercises" / "exercises").symlink_to(base / "course" / "solutions")
    (class_dir / "linked_entry").symlink_to(base / "elsewhere" / "victim")
    (class_dir / "fifo").mkdir()
    os.mkfifo(class_dir / "fifo" / "square.py")
    (class_dir / "a_sparse").mkdir()  # named to be read before the FIFO, which blocks a careless reader
    with (class_dir / "a_sparse" / "square.py").open("wb") as handle:
        handle.truncate(2 * 1024**3)
    ids = [e.id for e in load_course(REPO / "course.yaml").course.exercises]
    assert len(ids) >= 18
    just_under = SOLUTION + "#" * (MAX_SOURCE_BYTES - len(SOLUTION.encode()) - 2) + "\n"
    _write(class_dir / "eighteen", {f"{eid}.py": just_under for eid in ids[:18]})
    for name in FORMULA_NAMES:
        (class_dir / name).mkdir()
    _write(class_dir / ESCAPE_NAME, {"square.py": RAISER})
    (class_dir / NEWLINE_NAME).mkdir()
    (class_dir / NOT_UTF8).mkdir()
    return _grade(class_dir, base / "out")


def test_the_class_is_graded_and_every_entry_has_a_record(folders: Run) -> None:
    assert folders.returncode == 0, folders.stderr[-3000:]
    expected = {"good", "linked_exercises", "linked_entry", "fifo", "a_sparse", "eighteen", ESCAPE_NAME, NEWLINE_NAME, *FORMULA_NAMES}
    expected.add("latin1-\\xe9l\\xe8ve")
    assert set(folders.records) == expected
    assert _square(folders, "good")["points"] == _square(folders, "good")["max_points"] > 0


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("linked_exercises", "exercises/ is a symbolic link"),
        ("linked_entry", "linked_entry/ is a symbolic link"),
        ("fifo", "square.py is a named pipe"),
        ("a_sparse", f"square.py is {2 * 1024**3} bytes; the limit is {MAX_SOURCE_BYTES}"),
        ("eighteen", f"more than the course's limit of {DEFAULT_MAX_SUBMISSION_BYTES} bytes"),
    ],
)
def test_a_hostile_file_costs_its_submission_only_with_the_reason(folders: Run, name: str, reason: str) -> None:
    square = _square(folders, name)
    assert square["status"] == "rejected" and square["points"] == 0
    assert reason in square["message"]


def test_the_sparse_file_was_never_read_whole(folders: Run) -> None:
    assert 0 < folders.peak_kib < PEAK_RSS_KIB, f"peak resident memory of the run: {folders.peak_kib} KiB"


def test_formula_names_are_quoted_in_the_gradebook_and_real_in_the_records(folders: Run) -> None:
    cells = set(gradebook_by_submission(folders.out))
    for name in FORMULA_NAMES:
        assert "'" + name in cells and name not in cells
        assert folders.records[name]["submission"] == name


def test_escapes_in_names_and_messages_reach_no_terminal_or_text_file(folders: Run) -> None:
    assert "boom" in json.dumps(_square(folders, ESCAPE_NAME)), "the student's exception should reach the record"
    report = (folders.out / "pytest-report.txt").read_text(encoding="utf-8")
    for text, where in ((folders.stdout, "stdout"), (folders.stderr, "stderr"), (report, "pytest-report.txt")):
        _assert_inert(text, where)
    progress = [line for line in folders.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == len(folders.records), progress
    assert not any(line.startswith("[9 of 9] alice") for line in folders.stdout.splitlines()), "a name forged a progress line"


# ---------------------------------------------------------------- nbgrader's submitted/ tree


def _notebook(code: str) -> nbformat.NotebookNode:
    cell = new_code_cell(code)
    cell.metadata["nbgrader"] = {"grade_id": solution_id("square"), "solution": True, "grade": False, "locked": False}
    return new_notebook(cells=[new_markdown_cell("# Problem set 1"), cell])


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> Run:
    base = tmp_path_factory.mktemp("intake-nbgrader")
    submitted = base / "submitted"
    secret = base / "root-only.txt"
    secret.write_text(SECRET + " and the rest of a file only root may read\n", encoding="utf-8")
    secret.chmod(0o600)
    folders = {name: submitted / name / "ps1" for name in ("good", "copier", "rootonly", "bigcell", "fifo")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    nbformat.write(_notebook(SOLUTION), folders["good"] / "ps1.ipynb")
    (folders["copier"] / "ps1.ipynb").symlink_to(Path("../../good/ps1/ps1.ipynb"))
    (folders["rootonly"] / "ps1.ipynb").symlink_to(secret)
    nbformat.write(_notebook(SOLUTION + "#" * (20 * 1000 * 1000) + "\n"), folders["bigcell"] / "ps1.ipynb")
    os.mkfifo(folders["fifo"] / "ps1.ipynb")
    return _grade(submitted, base / "out")


def test_notebooks_linked_elsewhere_are_refused_and_the_class_is_graded(notebooks: Run) -> None:
    assert notebooks.returncode == 0, notebooks.stderr[-3000:]
    assert set(notebooks.records) == {"good", "copier", "rootonly", "bigcell", "fifo"}
    good = _square(notebooks, "good")
    assert good["points"] == good["max_points"] > 0
    for name, reason in (("copier", "symbolic link"), ("rootonly", "symbolic link"), ("fifo", "named pipe")):
        square = _square(notebooks, name)
        assert square["status"] == "rejected" and square["points"] == 0 and reason in square["message"], square["message"]


def test_a_20_mb_answer_cell_is_refused(notebooks: Run) -> None:
    square = _square(notebooks, "bigcell")
    assert square["status"] == "rejected" and f"the limit is {MAX_SOURCE_BYTES}" in square["message"]


def test_no_byte_of_the_root_only_file_reaches_a_record_page_or_terminal(notebooks: Run) -> None:
    assert SECRET not in notebooks.stdout + notebooks.stderr
    for path in notebooks.out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"{path} quotes the root-only file"
