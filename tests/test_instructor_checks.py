"""Instructor pytest files run in the judging session and reach student code only through the sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.class_run import run_class
from grader.course.load import load_course
from grader.engine import GradeOptions

REPO = Path(__file__).resolve().parents[1]

INSTRUCTOR_TEST = '''
import pytest

@pytest.mark.grade(exercise="square", points=1)
def test_square_is_even_at_three(submission):
    """the derivative at 3 is 6"""
    assert float(submission.call("square", "derivative_square", 3.0)) == 6.0
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    course = tmp_path_factory.mktemp("course")
    for name in ("exercises", "solutions", "mutants"):
        shutil.copytree(REPO / name, course / name)
    text = (REPO / "course.yaml").read_text(encoding="utf-8")
    (course / "course.yaml").write_text(text.replace("\nexercises:", "\nchecks_dir: instructor_checks\nexercises:", 1), encoding="utf-8")
    (course / "instructor_checks").mkdir()
    (course / "instructor_checks" / "test_extra.py").write_text(INSTRUCTOR_TEST, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    paths = [REPO / "examples" / "class" / "ada_correct", REPO / "examples" / "class" / "empty_stubs"]
    outcome = run_class(load_course(course), paths, out, GradeOptions(exercises=("square",)))
    return {r.submission: {c.name: c for c in r.exercise("square").checks} for r in outcome.run.results}


def test_instructor_check_earns_its_points_for_a_correct_submission(graded: dict[str, dict[str, object]]) -> None:
    check = graded["ada_correct"]["test_square_is_even_at_three"]
    assert check.status == "passed" and check.points == 1.0 and check.max_points == 1.0  # type: ignore[attr-defined]
    assert check.description == "the derivative at 3 is 6"  # type: ignore[attr-defined]


def test_instructor_check_reads_not_started_on_an_untouched_stub(graded: dict[str, dict[str, object]]) -> None:
    check = graded["empty_stubs"]["test_square_is_even_at_three"]
    assert check.status == "not_started" and check.points == 0.0  # type: ignore[attr-defined]
    assert "NotImplementedError" in check.message  # type: ignore[attr-defined]
