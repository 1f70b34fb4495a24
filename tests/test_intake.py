"""Reading submissions on the trusted side: links refused, never followed; only bounded regular files read.

Every hostile file lives in the test's ``tmp_path``; a "root-only file" or "the course's solutions"
is a file there standing for one. Reads that would block (a FIFO) or allocate (a sparse file) on a
careless reader run under a timer or in a child process with an address-space limit, so a
regression fails the test instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.platforms.nbgrader_names import solution_id
from grader.platforms.nbgrader_read import discover as discover_notebooks
from grader.platforms.nbgrader_read import read_submission
from grader.submissions import DEFAULT_MAX_SUBMISSION_BYTES, MAX_SOURCE_BYTES, SourceFile, Submission, discover, load_submission

REPO = Path(__file__).resolve().parents[1]
IDS = ["square", "chain_rule"]
SQUARE = "def derivative_square(x0):\n    return 2 * x0\n"
SECRET = "ROOT-ONLY-SECRET-4f1c9e: the first bytes of a file no student may read"


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body blocks longer than ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(source: SourceFile | None) -> str:
    """The refusal's message; fails when the file was read (or absent) instead."""
    assert source is not None, "the file was taken as not handed in"
    assert source.text is None, f"read instead of refused: {source.text[:80]!r}"
    assert source.problem
    return source.problem


def _folder(base: Path, name: str, files: dict[str, str]) -> Path:
    folder = base / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- folders


def test_an_exercises_folder_linked_outside_the_submission_is_refused_not_followed(tmp_path: Path) -> None:
    solutions = _folder(tmp_path, "course/solutions", {"square.py": "# THE REFERENCE SOLUTION\n" + SQUARE})
    student = tmp_path / "class" / "mallory"
    student.mkdir(parents=True)
    (student / "exercises").symlink_to(solutions)
    submission = load_submission(student, IDS)
    for exercise_id in IDS:
        problem = refused(submission.sources[exercise_id])
        assert "exercises/" in problem and "symbolic link" in problem
    assert submission.name == "mallory"


def test_a_linked_exercise_file_is_refused_and_its_target_not_read(tmp_path: Path) -> None:
    solutions = _folder(tmp_path, "course/solutions", {"square.py": SQUARE})
    student = _folder(tmp_path, "class/mallory", {"chain_rule.py": "x = 1\n"})
    (student / "square.py").symlink_to(solutions / "square.py")
    submission = load_submission(student, IDS)
    assert "symbolic link" in refused(submission.sources["square"])
    chain_rule = submission.sources["chain_rule"]
    assert chain_rule is not None and chain_rule.text == "x = 1\n"


def test_a_class_entry_that_is_a_link_is_refused_under_its_own_name(tmp_path: Path) -> None:
    victim = _folder(tmp_path, "elsewhere/victim", {"square.py": SQUARE})
    class_dir = tmp_path / "class"
    _folder(class_dir, "alice", {"square.py": SQUARE})
    (class_dir / "copier").symlink_to(victim)
    by_name = {s.name: s for s in discover([class_dir], IDS)}
    assert sorted(by_name) == ["alice", "copier"]
    assert "symbolic link" in refused(by_name["copier"].sources["square"])
    assert by_name["copier"].path == class_dir.resolve() / "copier"
    assert by_name["alice"].sources["square"] == SourceFile(class_dir.resolve() / "alice" / "square.py", SQUARE)
    again = load_submission(by_name["copier"].path, IDS)  # `grade run` reads each submission again before grading it
    assert again.sources == by_name["copier"].sources


def test_a_link_to_another_students_folder_cannot_make_the_class_fail_on_a_duplicate_name(tmp_path: Path) -> None:
    class_dir = tmp_path / "class"
    _folder(class_dir, "alice", {"square.py": SQUARE})
    (class_dir / "zz").symlink_to(class_dir / "alice")
    assert [s.name for s in discover([class_dir], IDS)] == ["alice", "zz"]


def test_a_folder_name_that_is_not_utf8_is_named_by_its_escaped_bytes(tmp_path: Path) -> None:
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    (class_dir / os.fsdecode(b"latin1-\xe9l\xe8ve")).mkdir()
    (submission,) = discover([class_dir], IDS)
    assert submission.name == "latin1-\\xe9l\\xe8ve"
    submission.name.encode("utf-8")  # every record, gradebook and page can hold it


def test_a_fifo_named_like_an_exercise_is_refused_without_blocking(tmp_path: Path) -> None:
    student = _folder(tmp_path, "class/mallory", {"chain_rule.py": "x = 1\n"})
    os.mkfifo(student / "square.py")
    with within(10):
        submission = load_submission(student, IDS)
    assert "named pipe" in refused(submission.sources["square"])
    assert submission.sources["chain_rule"] is not None and submission.sources["chain_rule"].text == "x = 1\n"


def test_a_sparse_2_gib_file_is_refused_by_its_size_without_being_read(tmp_path: Path) -> None:
    student = _folder(tmp_path, "class/mallory", {})
    with (student / "square.py").open("wb") as handle:
        handle.truncate(2 * 1024**3)
    probe = textwrap.dedent(
        f"""
        import json, resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))  # reading it whole fails here, not on the machine
        from grader.submissions import load_submission
        source = load_submission(Path({str(student)!r}), ["square"]).sources["square"]
        # this process's own high-water mark (ru_maxrss would carry the parent's over fork and exec)
        status = Path("/proc/self/status").read_text().splitlines()
        peak_kib = int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
        print(json.dumps({{"text": source.text is not None, "problem": source.problem, "peak_kib": peak_kib}}))
        """
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert completed.returncode == 0, completed.stderr[-2000:]
    seen = json.loads(completed.stdout)
    assert seen["text"] is False
    assert f"is {2 * 1024**3} bytes; the limit is {MAX_SOURCE_BYTES}" in seen["problem"]
    assert seen["peak_kib"] < 200 * 1024, f"peak resident memory {seen['peak_kib']} KiB: the file was read"


def test_a_device_named_like_an_exercise_is_refused_unopened(tmp_path: Path) -> None:
    student = _folder(tmp_path, "class/mallory", {})
    try:
        os.mknod(student / "square.py", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # the null device's numbers
    except PermissionError:
        pytest.skip("creating a device node needs root (the suite runs as root on CI)")
    assert "is a device" in refused(load_submission(student, IDS).sources["square"])


def test_eighteen_files_just_under_the_file_cap_exceed_the_submissions_total_and_are_all_refused(tmp_path: Path) -> None:
    ids = [f"exercise_{i:02d}" for i in range(18)]
    just_under = "#" * (MAX_SOURCE_BYTES - 2) + "\n"
    student = _folder(tmp_path, "class/mallory", {f"{eid}.py": just_under for eid in ids})
    submission = load_submission(student, ids)
    for exercise_id in ids:
        problem = refused(submission.sources[exercise_id])
        assert "more than the course's limit" in problem and str(DEFAULT_MAX_SUBMISSION_BYTES) in problem
    assert submission.total_bytes == 0


def test_a_submission_within_the_total_reports_what_the_worker_root_must_hold(tmp_path: Path) -> None:
    student = _folder(tmp_path, "class/ada", {"square.py": SQUARE, "chain_rule.py": "y = 'é'\n"})
    submission = load_submission(student, IDS)
    assert submission.total_bytes == len(SQUARE.encode()) + len("y = 'é'\n".encode())
    assert load_submission(student, IDS, max_total_bytes=10).total_bytes == 0


# ---------------------------------------------------------------- nbgrader notebooks


def _notebook(code: str) -> nbformat.NotebookNode:
    cell = new_code_cell(code)
    cell.metadata["nbgrader"] = {"grade_id": solution_id("square"), "solution": True, "grade": False, "locked": False}
    return new_notebook(cells=[cell])


def _submitted(base: Path, student: str) -> Path:
    folder = base / "submitted" / student / "ps1"
    folder.mkdir(parents=True)
    return folder


def test_a_notebook_linked_to_a_root_only_file_is_refused_and_never_quoted(tmp_path: Path) -> None:
    secret = tmp_path / "root-only.txt"
    secret.write_text(SECRET, encoding="utf-8")
    secret.chmod(0o600)
    folder = _submitted(tmp_path, "mallory")
    (folder / "ps1.ipynb").symlink_to(secret)
    problem = refused(read_submission(folder, ["square"]).sources["square"])
    assert "ps1.ipynb" in problem and "symbolic link" in problem
    assert "ROOT-ONLY" not in problem


def test_a_notebook_linked_to_another_students_notebook_is_not_graded_as_the_copiers(tmp_path: Path) -> None:
    victim = _submitted(tmp_path, "victim")
    nbformat.write(_notebook(SQUARE), victim / "ps1.ipynb")
    copier = _submitted(tmp_path, "copier")
    (copier / "ps1.ipynb").symlink_to(victim / "ps1.ipynb")
    by_name = {s.name: s for s in discover_notebooks(tmp_path / "submitted", "ps1", ["square"])}
    assert "symbolic link" in refused(by_name["copier"].sources["square"])
    graded = by_name["victim"].sources["square"]
    assert graded is not None and graded.text is not None and "2 * x0" in graded.text


def test_a_student_folder_linked_to_another_student_is_refused(tmp_path: Path) -> None:
    victim = _submitted(tmp_path, "victim")
    nbformat.write(_notebook(SQUARE), victim / "ps1.ipynb")
    (tmp_path / "submitted" / "copier").symlink_to(tmp_path / "submitted" / "victim")
    by_name = {s.name: s for s in discover_notebooks(tmp_path / "submitted", "ps1", ["square"])}
    assert "symbolic link" in refused(by_name["copier"].sources["square"])


def test_a_broken_notebook_is_refused_without_quoting_its_content(tmp_path: Path) -> None:
    folder = _submitted(tmp_path, "mallory")
    (folder / "ps1.ipynb").write_text(SECRET, encoding="utf-8")
    problem = refused(read_submission(folder, ["square"]).sources["square"])
    assert "ps1.ipynb is not a readable notebook (invalid JSON at line 1, column 1)" in problem
    assert "ROOT-ONLY" not in problem and "SECRET" not in problem


def test_a_fifo_named_like_a_notebook_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = _submitted(tmp_path, "mallory")
    os.mkfifo(folder / "ps1.ipynb")
    with within(10):
        problem = refused(read_submission(folder, ["square"]).sources["square"])
    assert "named pipe" in problem


def test_a_20_mb_answer_cell_is_refused_by_the_per_answer_cap(tmp_path: Path) -> None:
    folder = _submitted(tmp_path, "mallory")
    nbformat.write(_notebook(SQUARE + "#" * (20 * 1000 * 1000) + "\n"), folder / "ps1.ipynb")
    problem = refused(read_submission(folder, ["square"]).sources["square"])
    assert "answer cell in ps1.ipynb" in problem and f"the limit is {MAX_SOURCE_BYTES}" in problem


def test_answer_cells_under_the_per_answer_cap_still_count_toward_the_total(tmp_path: Path) -> None:
    folder = _submitted(tmp_path, "mallory")
    nbformat.write(_notebook(SQUARE + "#" * 1000 + "\n"), folder / "ps1.ipynb")
    submission: Submission = read_submission(folder, ["square"], max_total_bytes=500)
    assert "more than the course's limit of 500 bytes" in refused(submission.sources["square"])


def test_a_course_sets_the_total_in_defaults(tmp_path: Path) -> None:
    from grader.course.schema import Defaults

    assert Defaults().max_submission_kb * 1024 == DEFAULT_MAX_SUBMISSION_BYTES
    assert Defaults(max_submission_kb=64).max_submission_kb == 64
    with pytest.raises(ValueError):
        Defaults(max_submission_kb=0)


def test_notebooks_past_the_submissions_notebook_budget_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.platforms import nbgrader_read

    monkeypatch.setattr(nbgrader_read, "MAX_NOTEBOOKS_BYTES", 1)
    folder = _submitted(tmp_path, "mallory")
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), folder / "a.ipynb")
    nbformat.write(_notebook(SQUARE), folder / "b.ipynb")
    problem = refused(read_submission(folder, ["square"]).sources["square"])
    assert "b.ipynb was not read: this submission's notebooks together pass 1 bytes" in problem
