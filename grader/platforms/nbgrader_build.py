"""``grade nbgrader build``: an nbgrader course directory generated from ``course.yaml``.

Writes ``nbgrader_config.py`` and ``source/<assignment>/``: one notebook per exercise (or one for
the whole assignment with ``--one-notebook``). Each exercise is a locked markdown cell with its
title and description, a solution cell (the stub with the reference body between solution
markers, :mod:`grader.platforms.solution_cell`) and one locked autograder test cell per check, in
``course.yaml`` order; hidden checks sit between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``, which ``nbgrader generate_assignment`` strips from the release and
``nbgrader autograde`` puts back. How a test cell scores is explained in
:mod:`grader.platforms.nbgrader_kernel`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.course.load import LoadedCourse
from grader.errors import CourseError, UsageError
from grader.evaluate import Baseline, evaluate_baseline
from grader.plan import ExercisePlan, Plan, build_plan
from grader.platforms.nbgrader_kernel import check_payload
from grader.platforms.nbgrader_names import check_id, description_id, solution_id
from grader.platforms.solution_cell import solution_cell
from grader.sandbox.client import ForkServer

SCHEMA_VERSION = 3
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
MIN_CELL_TIMEOUT = 30
"""Seconds; nbgrader's own default. A test cell runs one check's probes, the exercise's limit covers them all."""

CONFIG_TEMPLATE = '''"""nbgrader configuration written by `grade nbgrader build` for course {course_id!r}."""

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = {course_id!r}
# Per-cell time limit: nbgrader reads `Execute.timeout` (a key like `ExecuteOptions.timeout` is silently ignored).
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
'''


@dataclass(frozen=True)
class BuildReport:
    course_dir: Path
    assignment: str
    notebooks: list[Path]
    config: Path
    notes: list[str] = field(default_factory=list)


def _metadata(*, grade: bool, solution: bool, locked: bool, grade_id: str | None = None, points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "grade": grade, "solution": solution, "locked": locked}
    if grade_id is not None:
        meta["grade_id"] = grade_id
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _test_source(exercise_plan: ExercisePlan, index: int, baseline: Baseline) -> str:
    planned = exercise_plan.checks[index]
    check = planned.check
    payload = check_payload(
        planned, exercise_plan.tolerances, baseline.references[exercise_plan.id], baseline.mutants.get(exercise_plan.id, ())
    )
    header = (
        f"# {'visible' if check.visible else 'hidden'} check `{check.name}` ({check.points:g} points): {check.description or check.kind}"
    )
    body = [
        "from grader.platforms.nbgrader_kernel import score_check",
        f"score_check(globals(), {payload!r})",
    ]
    if check.visible:
        return "\n".join([header, *body])
    return "\n".join([header, "### BEGIN HIDDEN TESTS", *body, "### END HIDDEN TESTS"])


def exercise_cells(loaded: LoadedCourse, exercise_plan: ExercisePlan, baseline: Baseline, notes: list[str]) -> list[Any]:
    """The cells of one exercise: description, solution, one test cell per check."""
    exercise = exercise_plan.exercise
    root = loaded.root
    try:
        stub = (root / "exercises" / f"{exercise.id}.py").read_text(encoding="utf-8")
        solution = (root / "solutions" / f"{exercise.id}.py").read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(
            [f"{error.filename}: cannot be read ({error.strerror}); course.yaml declares exercise `{exercise.id}`"]
        ) from error
    cell = solution_cell(stub, solution)
    if not cell.merged:
        notes.append(f"{exercise.id}: {cell.note}; the solution cell holds the stub, then the whole solution in one region")
    cells = [
        new_markdown_cell(
            f"## {exercise.title}\n\n{exercise.description.strip()}\n\n"
            f"Write your answer in the next cell. The cells after it test it ({exercise.points:g} points in all; "
            "hidden checks are added when your work is graded).",
            metadata=_metadata(grade=False, solution=False, locked=True, grade_id=description_id(exercise.id)),
        ),
        new_code_cell(
            cell.source.rstrip("\n"), metadata=_metadata(grade=False, solution=True, locked=False, grade_id=solution_id(exercise.id))
        ),
    ]
    for index, planned in enumerate(exercise_plan.checks):
        cells.append(
            new_code_cell(
                _test_source(exercise_plan, index, baseline),
                metadata=_metadata(
                    grade=True, solution=False, locked=True, grade_id=check_id(exercise.id, planned.name), points=planned.check.points
                ),
            )
        )
    return cells


def _notebook(cells: list[Any]) -> Any:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


def cell_timeout(plan: Plan) -> int:
    return max([MIN_CELL_TIMEOUT, *(math.ceil(p.limits.time_limit) for p in plan.exercises)])


def build(
    loaded: LoadedCourse, course_dir: Path, assignment: str | None = None, one_notebook: bool = False, force: bool = False
) -> BuildReport:
    """Write the nbgrader course directory; reference values come from running the solutions in the sandbox."""
    course = loaded.course
    if course.released:
        raise UsageError(f"{loaded.path}: a student release has no solutions or hidden checks; build from the instructor's course")
    name = assignment or course.course
    target = course_dir / "source" / name
    if target.exists() and any(target.iterdir()) and not force:
        raise UsageError(f"{target} exists and is not empty; pass --force to replace its notebooks")
    plan = build_plan(course, course.seed)
    with ForkServer() as server:
        baseline = evaluate_baseline(server, loaded.root, plan)
    target.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if course.checks_dir:
        notes.append(f"instructor pytest checks in {course.checks_dir}/ are not in the notebooks; `grade run` grades them")
    per_exercise = [(p.id, exercise_cells(loaded, p, baseline, notes)) for p in plan.exercises]
    written = []
    if one_notebook:
        cells = [new_markdown_cell(f"# {course.title}")] + [c for _, cells in per_exercise for c in cells]
        path = target / f"{name}.ipynb"
        nbformat.write(_notebook(cells), path)
        written.append(path)
    else:
        for exercise_id, cells in per_exercise:
            path = target / f"{exercise_id}.ipynb"
            nbformat.write(_notebook(cells), path)
            written.append(path)
    config = course_dir / "nbgrader_config.py"
    config.write_text(CONFIG_TEMPLATE.format(course_id=course.course, timeout=cell_timeout(plan)), encoding="utf-8")
    return BuildReport(course_dir=course_dir, assignment=name, notebooks=written, config=config, notes=notes)


__all__ = ["BuildReport", "build", "cell_timeout", "exercise_cells"]
