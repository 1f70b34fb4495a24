"""Every platform output driven through its typed request, in this process: no command line, no subprocess.

:mod:`grader.cli` builds these requests from the parsed arguments (``tests/test_cli.py`` checks that
mapping); here each test builds one directly, as a script would, and reads what was written.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from rich.console import Console

from grader.course.load import LoadedCourse, load_course
from grader.errors import ExitCode, UsageError
from grader.platforms.nbgrader_gradebook import gradebook_settings
from grader.platforms.nbgrader_names import check_id, solution_id
from grader.platforms.verbs import (
    GradescopeBuild,
    GradescopeGrade,
    NbgraderBuild,
    NbgraderTree,
    RunPlatforms,
    after_run,
    grade_in_gradescope,
    run_platform_verb,
    run_submissions,
)
from grader.report.gradescope import FAILURE_TEST_NAME
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "week1"


class Screen:
    """A console whose output a test reads back (plain text, wide enough that nothing wraps)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, width=400, highlight=False, color_system=None)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


@pytest.fixture(scope="module")
def loaded() -> LoadedCourse:
    return load_course(REPO)


@pytest.fixture(scope="module")
def nbgrader_course(loaded: LoadedCourse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``grade nbgrader build`` of the repository's course into one notebook, and what it printed."""
    course_dir = tmp_path_factory.mktemp("nbgrader") / "course"
    screen = Screen()
    assert run_platform_verb(loaded, NbgraderBuild(course_dir, ASSIGNMENT, one_notebook=True), screen.console) == ExitCode.OK
    return course_dir, screen.text


def _result(name: str, checks: dict[tuple[str, str], float]) -> SubmissionResult:
    """A graded submission whose checks (exercise, check) earned the given points out of 2 each."""
    exercises = {}
    for (exercise, check), points in checks.items():
        status = "passed" if points else "failed"
        result = CheckResult(exercise, check, visible=False, points=points, max_points=2.0, status=status, message="")
        exercises.setdefault(exercise, []).append(result)
    return SubmissionResult(
        submission=name,
        path=f"/class/{name}",
        exercises=tuple(
            ExerciseResult(e, "graded", points=sum(c.points for c in cs), max_points=2.0 * len(cs), checks=tuple(cs))
            for e, cs in exercises.items()
        ),
    )


def _submitted_tree(course_dir: Path, target: Path, students: list[str]) -> Path:
    """nbgrader's ``submitted/<student>/<assignment>/`` holding the built source notebook for each student."""
    source = course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.mkdir(parents=True)
    for student in students:
        folder = target / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(source, folder / source.name)
    shutil.copy(course_dir / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


def test_an_nbgrader_build_request_writes_one_notebook_with_every_exercise_and_the_config(
    loaded: LoadedCourse, nbgrader_course: tuple[Path, str]
) -> None:
    course_dir, printed = nbgrader_course
    notebook = nbformat.read(course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    grade_ids = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells}
    assert {solution_id(e.id) for e in loaded.course.exercises} <= grade_ids
    assert f"course_id = {loaded.course.course!r}" in (course_dir / "nbgrader_config.py").read_text(encoding="utf-8")
    assert f"nbgrader generate_assignment {ASSIGNMENT}" in printed


def test_a_gradescope_build_request_writes_the_autograder_zip_it_names(loaded: LoadedCourse, tmp_path: Path) -> None:
    screen = Screen()
    bundle = tmp_path / "autograder.zip"
    assert run_platform_verb(loaded, GradescopeBuild(bundle), screen.console) == ExitCode.OK
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"setup.sh", "run_autograder", "course/course.yaml"} <= names
    assert str(bundle) in screen.text


def test_a_gradescope_grade_request_for_a_course_that_does_not_load_writes_a_visible_failure_and_exits_2(tmp_path: Path) -> None:
    results = tmp_path / "results" / "results.json"
    code = grade_in_gradescope(GradescopeGrade(course=tmp_path / "no-course.yaml", submission=tmp_path, results=results))
    assert code == ExitCode.USAGE
    document = json.loads(results.read_text(encoding="utf-8"))
    assert document["score"] == 0 and document["tests"][0]["name"] == FAILURE_TEST_NAME
    assert "course error" in document["tests"][0]["output"]


def test_a_gradescope_results_request_writes_one_results_json_per_submission_inside_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = [_result("alice", {("square", "forward"): 2.0}), _result("../../escape", {("square", "forward"): 0.0})]
    screen = Screen()
    after_run(results, RunPlatforms(paths=(), out=out, gradescope_results=True), None, screen.console)
    written = sorted((out / "gradescope").rglob("results.json"))
    assert len(written) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    scores = sorted(json.loads(p.read_text(encoding="utf-8"))["score"] for p in written)
    assert scores == [0.0, 2.0]
    assert f"Gradescope results.json: 2 under {out / 'gradescope'}" in screen.text


def test_a_run_request_without_platform_outputs_writes_and_prints_nothing(tmp_path: Path) -> None:
    screen = Screen()
    after_run([_result("alice", {("square", "forward"): 2.0})], RunPlatforms(paths=(), out=tmp_path / "out"), None, screen.console)
    assert not (tmp_path / "out").exists() and screen.text == ""


def test_write_gradebook_without_an_nbgrader_tree_is_refused(loaded: LoadedCourse, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="need an nbgrader tree"):
        run_submissions(loaded, RunPlatforms(paths=(tmp_path,), out=tmp_path / "out", write_gradebook=True))


def test_a_run_request_with_no_paths_and_no_tree_has_nothing_to_grade(loaded: LoadedCourse, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nothing to grade"):
        run_submissions(loaded, RunPlatforms(paths=(), out=tmp_path / "out"))


def test_ordinary_folders_are_left_for_grade_run_to_discover(loaded: LoadedCourse, tmp_path: Path) -> None:
    assert run_submissions(loaded, RunPlatforms(paths=(tmp_path,), out=tmp_path / "out")) == (None, None)


def test_an_nbgrader_request_reads_every_students_notebook_by_tree_or_by_submitted_path(
    loaded: LoadedCourse, nbgrader_course: tuple[Path, str], tmp_path: Path
) -> None:
    tree = _submitted_tree(nbgrader_course[0], tmp_path / "course", ["alice", "bob"])
    by_option = run_submissions(loaded, RunPlatforms(paths=(), out=tmp_path / "out", nbgrader=tree))
    by_path = run_submissions(loaded, RunPlatforms(paths=(tree / "submitted",), out=tmp_path / "out"))
    for submissions, found in (by_option, by_path):
        assert found == NbgraderTree(course_dir=tree, assignment=ASSIGNMENT)
        assert submissions is not None and [s.name for s in submissions] == ["alice", "bob"]
        assert all(source is not None for s in submissions for source in s.sources.values())


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own update_or_create_submission trips autoflush
def test_a_gradebook_request_stores_each_checks_points_in_nbgrader_and_names_checks_without_a_cell(
    nbgrader_course: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")  # nbgrader runs alembic
    course_dir = _submitted_tree(nbgrader_course[0], tmp_path / "course", [])
    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id=course_id) as gradebook:  # what `nbgrader generate_assignment` records
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook(ASSIGNMENT, ASSIGNMENT)
        gradebook.add_grade_cell(check_id("square", "forward"), ASSIGNMENT, ASSIGNMENT, max_score=2.0, cell_type="code")
    alice = _result("alice", {("square", "forward"): 2.0, ("square", "instructor_pytest"): 0.0})
    screen = Screen()
    request = RunPlatforms(paths=(), out=tmp_path / "out", write_gradebook=True)
    after_run([alice], request, NbgraderTree(course_dir, ASSIGNMENT), screen.console)
    with Gradebook(db_url, course_id=course_id) as gradebook:
        assert gradebook.find_grade(check_id("square", "forward"), ASSIGNMENT, ASSIGNMENT, "alice").auto_score == 2.0
    assert "1 grades for 1 students" in screen.text
    assert "not in the gradebook (no such grade cell): square/instructor_pytest" in screen.text
