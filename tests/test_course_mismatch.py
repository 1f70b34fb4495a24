"""A course.yaml that does not fit its solution: ``grade validate`` says why, and ``grade run`` refuses to grade.

The copy gives ``derivative_square`` one argument too many in a visible case, as a typo in course.yaml would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grade_command import REPO, run_grade

from grader.class_run import run_class
from grader.course.load import load_course
from grader.engine import GradeOptions
from grader.errors import CourseError

GOOD_CASE, BAD_CASE = "          - args: [9]\n          - args: [2]\n", "          - args: [9, 1]\n          - args: [2]\n"


@pytest.fixture(scope="module")
def mismatched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mismatch") / "course"
    root.mkdir()
    text = (REPO / "course.yaml").read_text(encoding="utf-8")
    assert text.count(GOOD_CASE) == 1
    (root / "course.yaml").write_text(text.replace(GOOD_CASE, BAD_CASE), encoding="utf-8")
    for folder in ("exercises", "solutions", "mutants"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def test_validate_gives_the_reason_a_solution_fails_a_check(mismatched: Path) -> None:
    done = run_grade("validate", course=mismatched, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "square: the solution fails value_at_tutorial_points:" in line)
    reason = line.split("value_at_tutorial_points:", 1)[1].strip()
    assert "TypeError" in reason and "derivative_square() takes 1 positional argument but 2 were given" in reason, line


def test_grade_run_refuses_a_course_whose_solution_fails_a_check(mismatched: Path, tmp_path: Path) -> None:
    student = tmp_path / "submissions" / "alice"
    student.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / "square.py", student / "square.py")
    with pytest.raises(CourseError) as refused:
        run_class(load_course(mismatched), [tmp_path / "submissions"], tmp_path / "out", GradeOptions(exercises=("square",)))
    assert "square/value_at_tutorial_points" in str(refused.value) and "TypeError" in str(refused.value)
    assert not list((tmp_path / "out").glob("submissions/*.json")), "nothing may be graded"
