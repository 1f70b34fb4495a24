"""Per-student variants on the nbgrader path: ``grade run --nbgrader COURSE_DIR --per-student-seed`` (issue #15, part 5).

A small ``submitted/`` tree (two students, the same correct answer cell) is graded twice: with
per-student seeds each student's hidden inputs are drawn anew and their page names their own seed;
with the course seed both get the same inputs and no page names a seed (the course seed is never shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from grade_command import REPO, records_by_file
from nbformat.v4 import new_code_cell, new_notebook

from grader.class_run import run_class
from grader.course.load import LoadedCourse, load_course
from grader.engine import GradeOptions
from grader.plan import build_plan
from grader.platforms.nbgrader_names import solution_id
from grader.platforms.nbgrader_read import discover
from grader.seeds import student_seed

EXERCISE = "square"
STUDENTS = ("ada", "grace")


@pytest.fixture(scope="module")
def course() -> LoadedCourse:
    return load_course(REPO)


def _submitted_tree(root: Path) -> Path:
    """nbgrader's ``submitted/<student>/ps1/ps1.ipynb``, each with the reference solution in the answer cell."""
    solution = (REPO / "solutions" / f"{EXERCISE}.py").read_text(encoding="utf-8")
    for student in STUDENTS:
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        cell = new_code_cell(solution, metadata={"nbgrader": {"grade_id": solution_id(EXERCISE), "solution": True}})
        nbformat.write(new_notebook(cells=[cell]), folder / "ps1.ipynb")
    return root / "submitted"


def _grade(course: LoadedCourse, root: Path, per_student_seed: bool) -> dict[str, dict[str, Any]]:
    submissions = discover(_submitted_tree(root), "ps1", [EXERCISE])
    out = root / "out"
    options = GradeOptions(per_student_seed=per_student_seed, parallel=2, exercises=(EXERCISE,))
    run_class(course, [root / "submitted"], out, options, submissions=submissions)
    records = records_by_file(out)
    for name, record in records.items():
        record["page"] = (out / "feedback" / f"{name}.html").read_text(encoding="utf-8")
    return records


def _hidden_inputs(course: LoadedCourse, seed: int) -> dict[str, Any]:
    plan = build_plan(course.course, seed)
    return {case.probe_id: repr(case.probe) for p in plan.exercises if p.id == EXERCISE for c in p.checks for case in c.cases}


def test_per_student_seeds_on_the_nbgrader_path_draw_each_student_their_own_inputs_and_name_the_seed(
    course: LoadedCourse, tmp_path: Path
) -> None:
    records = _grade(course, tmp_path, per_student_seed=True)
    assert sorted(records) == sorted(STUDENTS)
    seeds = {name: record["seed"] for name, record in records.items()}
    assert seeds == {name: student_seed(course.course.seed, name) for name in STUDENTS}
    assert _hidden_inputs(course, seeds["ada"]) != _hidden_inputs(course, seeds["grace"])
    for name, record in records.items():
        assert record["points"] == record["max_points"], "the reference solution scores full on its own inputs"
        assert f"seed {seeds[name]}" in record["page"]
        assert str(course.course.seed) not in record["page"]


def test_without_per_student_seeds_the_nbgrader_path_uses_the_course_seed_and_no_page_shows_it(
    course: LoadedCourse, tmp_path: Path
) -> None:
    records = _grade(course, tmp_path, per_student_seed=False)
    assert {record["seed"] for record in records.values()} == {course.course.seed}
    for record in records.values():
        assert 'id="seed"' not in record["page"]
        assert str(course.course.seed) not in record["page"]
