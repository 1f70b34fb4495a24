"""The nbgrader workflow end to end, with the real nbgrader commands (issue #4).

``grade nbgrader build`` -> ``nbgrader generate_assignment`` -> students' copies in
``submitted/`` -> ``nbgrader autograde`` -> ``generate_feedback`` -> ``export``, and next to it
``grade run COURSE_DIR/submitted --write-gradebook``. Scores in nbgrader's gradebook must equal
``grade run``'s on the same code, check by check. Kernels are slow (each imports torch), so the
class is three students with one notebook each (``--one-notebook``): the reference solutions,
the untouched release, and the tutorials' code (its ``SQ`` ignores ``grad_output``). Every
expectation is derived from the course and from ``grade run``, never from hard-coded ids.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from grade_command import BIN, REPO, Outcome, records_by_file, run, run_grade, venv_first_on_path

from grader.course.load import LoadedCourse, load_course
from grader.platforms.nbgrader_names import check_id, solution_id

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 3600
TUTORIAL = REPO / "examples" / "class" / "tutorial_copy"
ASSIGNMENT = "ps1"
STUDENTS = ("solutions", "untouched", "tutorial")


def _grade(*args: str | Path) -> Outcome:
    return run_grade(*args, cwd=REPO, env=venv_first_on_path(), timeout=RUN_TIMEOUT, expect=0)


def _nbgrader(course_dir: Path, *args: str) -> Outcome:
    return run([BIN / "nbgrader", *args], cwd=course_dir, env=venv_first_on_path(), timeout=RUN_TIMEOUT, expect=0)


def _solution_cells(notebook: Any) -> dict[str, Any]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _student_copy(release: Path, code: dict[str, str]) -> Any:
    """The released notebook with some answer cells filled in, as a student would hand it in."""
    notebook = nbformat.read(release, as_version=4)
    cells = _solution_cells(notebook)
    for exercise_id, source in code.items():
        cells[solution_id(exercise_id)].source = source
    return notebook


@dataclass
class Workflow:
    loaded: LoadedCourse
    course_dir: Path
    spare_dir: Path
    """A copy taken after generate_assignment, before autograde: ``grade run --write-gradebook`` writes its gradebook."""
    records: dict[str, dict[str, Any]]
    autograde_seconds: float


@pytest.fixture(scope="module")
def workflow(tmp_path_factory: pytest.TempPathFactory) -> Workflow:
    loaded = load_course(REPO)
    base = tmp_path_factory.mktemp("nbgrader")
    course_dir = base / "course"
    _grade("nbgrader", "build", course_dir, "--assignment", ASSIGNMENT, "--one-notebook")
    _nbgrader(course_dir, "generate_assignment", ASSIGNMENT)
    release = course_dir / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = nbformat.read(course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    ids = [e.id for e in loaded.course.exercises]
    reference = {e: _solution_cells(source)[solution_id(e)].source for e in ids}
    tutorial = {e: (TUTORIAL / f"{e}.py").read_text(encoding="utf-8") for e in ids if (TUTORIAL / f"{e}.py").is_file()}
    copies = {"solutions": reference, "untouched": {}, "tutorial": tutorial}
    for student in STUDENTS:
        folder = course_dir / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_student_copy(release, copies[student]), folder / f"{ASSIGNMENT}.ipynb")
    spare_dir = base / "spare"
    shutil.copytree(course_dir, spare_dir)
    started = time.monotonic()
    _nbgrader(course_dir, "autograde", ASSIGNMENT)
    autograde_seconds = time.monotonic() - started
    _nbgrader(course_dir, "generate_feedback", ASSIGNMENT)
    _nbgrader(course_dir, "export")
    out = base / "grade-run"
    _grade("run", course_dir / "submitted", "--out", out, "--jobs", "2")
    records = records_by_file(out)
    return Workflow(loaded=loaded, course_dir=course_dir, spare_dir=spare_dir, records=records, autograde_seconds=autograde_seconds)


def _nbgrader_scores(course_dir: Path, course_id: str) -> dict[str, dict[str, float]]:
    """student -> grade cell name -> score, read through nbgrader's own Gradebook API."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=course_id) as gradebook:
        for student in gradebook.students:
            submission = gradebook.find_submission(ASSIGNMENT, student.id)
            scores[student.id] = {grade.name: float(grade.score) for notebook in submission.notebooks for grade in notebook.grades}
    return scores


def _grade_run_scores(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {
        name: {check_id(e["exercise"], c["name"]): float(c["points"]) for e in record["exercises"] for c in e["checks"]}
        for name, record in records.items()
    }


def _exported(course_dir: Path) -> dict[str, tuple[float, float]]:
    with (course_dir / "grades.csv").open(encoding="utf-8") as handle:
        return {
            row["student_id"]: (float(row["score"]), float(row["max_score"]))
            for row in csv.DictReader(handle)
            if row["assignment"] == ASSIGNMENT
        }


def test_nbgrader_autograde_scores_every_check_like_grade_run(workflow: Workflow) -> None:
    nbgrader = _nbgrader_scores(workflow.course_dir, workflow.loaded.course.course)
    ours = _grade_run_scores(workflow.records)
    assert set(nbgrader) == set(STUDENTS) == set(ours)
    for student in STUDENTS:
        assert nbgrader[student] == ours[student], student


def test_solutions_score_full_the_release_zero_and_the_tutorial_partial(workflow: Workflow) -> None:
    total = float(sum(e.points for e in workflow.loaded.course.exercises))
    exported = _exported(workflow.course_dir)
    assert exported["solutions"] == (total, total)
    assert exported["untouched"] == (0.0, total)
    assert 0.0 < exported["tutorial"][0] < total
    for student, (score, _) in exported.items():
        assert score == pytest.approx(workflow.records[student]["points"])
    sq = [e for e in workflow.loaded.course.exercises if "SQ" in e.entry_points]
    tutorial = {e["exercise"]: e for e in workflow.records["tutorial"]["exercises"]}
    for exercise in sq:
        assert 0 < tutorial[exercise.id]["points"] < exercise.points, "the tutorial's SQ earns the forward points only"


def test_feedback_is_generated_for_every_student(workflow: Workflow) -> None:
    for student in STUDENTS:
        feedback = workflow.course_dir / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.is_file(), feedback


def test_the_generated_config_sets_a_per_cell_timeout_nbgrader_honours(workflow: Workflow) -> None:
    from grader.platforms.nbgrader_gradebook import gradebook_settings

    config = (workflow.course_dir / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "c.Execute.timeout = " in config
    limit = max(e.limits.time_limit or workflow.loaded.course.defaults.limits.time_limit for e in workflow.loaded.course.exercises)
    assert int(config.split("c.Execute.timeout = ")[1].split()[0]) >= limit
    assert gradebook_settings(workflow.course_dir)[1] == workflow.loaded.course.course


def test_grade_run_writes_nbgrader_gradebook_that_export_reads(workflow: Workflow, tmp_path: Path) -> None:
    spare = workflow.spare_dir
    # two broken hand-ins next to the good ones: the batch goes on, each gets its reason and 0 for what broke
    broken = spare / "submitted" / "broken_json" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [', encoding="utf-8")
    lost = spare / "submitted" / "lost_metadata" / ASSIGNMENT
    lost.mkdir(parents=True)
    notebook = nbformat.read(spare / "submitted" / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    first_id = workflow.loaded.course.exercises[0].id
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == solution_id(first_id):
            del cell.metadata["nbgrader"]
    notebook.cells.reverse()  # moved cells do not matter
    nbformat.write(notebook, lost / f"{ASSIGNMENT}.ipynb")

    out = tmp_path / "out"
    completed = _grade("run", "--nbgrader", spare, "--assignment", ASSIGNMENT, "--write-gradebook", "--out", out, "--jobs", "2")
    assert "nbgrader gradebook" in completed.stdout
    _nbgrader(spare, "export")
    exported = _exported(spare)
    records = records_by_file(out)
    for student in STUDENTS:
        assert exported[student][0] == pytest.approx(workflow.records[student]["points"]), student
    assert exported["broken_json"][0] == 0.0
    assert all("not a readable notebook" in e["message"] for e in records["broken_json"]["exercises"])
    lost_record = {e["exercise"]: e for e in records["lost_metadata"]["exercises"]}
    assert lost_record[first_id]["points"] == 0 and solution_id(first_id) in lost_record[first_id]["message"]
    expected_lost = workflow.records["solutions"]["points"] - workflow.loaded.course.exercise(first_id).points
    assert exported["lost_metadata"][0] == pytest.approx(expected_lost)
    print(f"\nnbgrader autograde, 3 one-notebook submissions: {workflow.autograde_seconds:.1f} s")
