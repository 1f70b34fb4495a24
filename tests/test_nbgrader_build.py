"""``grade nbgrader build`` writes a course directory that the real ``nbgrader generate_assignment`` accepts.

Default layout (one notebook per exercise): every cell's metadata passes nbgrader's own schema v3
validator, every check is a locked grade cell with its points, hidden checks sit inside the
hidden-test markers, and the generated release holds neither the reference bodies nor the hidden
tests. Expectations come from the loaded course.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from grade_command import BIN, REPO, Outcome, run, run_grade, venv_first_on_path

from grader.course.load import LoadedCourse, load_course
from grader.platforms.nbgrader_names import check_id, description_id, solution_id

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 1800


def _build(course_dir: Path, expect: int = 0) -> Outcome:
    """``grade nbgrader build COURSE_DIR``, which must exit with ``expect``."""
    return run_grade("nbgrader", "build", course_dir, cwd=REPO, env=venv_first_on_path(), timeout=RUN_TIMEOUT, expect=expect)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedCourse, Path]:
    course_dir = tmp_path_factory.mktemp("nbgrader-build") / "course"
    _build(course_dir)
    generate = [BIN / "nbgrader", "generate_assignment", load_course(REPO).course.course]
    run(generate, cwd=course_dir, env=venv_first_on_path(), timeout=RUN_TIMEOUT, expect=0)
    return load_course(REPO), course_dir


def test_one_valid_notebook_per_exercise_with_a_cell_per_check(built: tuple[LoadedCourse, Path]) -> None:
    from nbgrader.nbgraderformat import MetadataValidator

    loaded, course_dir = built
    source = course_dir / "source" / loaded.course.course
    assert sorted(p.stem for p in source.glob("*.ipynb")) == sorted(e.id for e in loaded.course.exercises)
    for exercise in loaded.course.exercises:
        notebook = nbformat.read(source / f"{exercise.id}.ipynb", as_version=4)
        MetadataValidator().validate_nb(notebook)
        cells = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "grade_id" in c.metadata.get("nbgrader", {})}
        assert cells[description_id(exercise.id)].cell_type == "markdown"
        answer = cells[solution_id(exercise.id)].metadata["nbgrader"]
        assert answer["solution"] and not answer["grade"] and not answer["locked"]
        assert "### BEGIN SOLUTION" in cells[solution_id(exercise.id)].source
        for check in exercise.checks:
            cell = cells[check_id(exercise.id, check.name)]
            meta = cell.metadata["nbgrader"]
            assert meta["grade"] and meta["locked"] and not meta["solution"] and meta["points"] == check.points
            assert cell.source.rstrip().splitlines()[-1 if check.visible else -2].startswith("score_check(globals(), ")
            assert ("### BEGIN HIDDEN TESTS" in cell.source) is (not check.visible)


def test_the_release_has_no_reference_body_and_no_hidden_test(built: tuple[LoadedCourse, Path]) -> None:
    loaded, course_dir = built
    release = course_dir / "release" / loaded.course.course
    for exercise in loaded.course.exercises:
        notebook = nbformat.read(release / f"{exercise.id}.ipynb", as_version=4)
        text = "\n".join(c.source for c in notebook.cells)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == solution_id(exercise.id))
        assert "raise NotImplementedError()" in answer.source
        solution = (loaded.root / "solutions" / f"{exercise.id}.py").read_text(encoding="utf-8")
        stub = (loaded.root / "exercises" / f"{exercise.id}.py").read_text(encoding="utf-8")
        reference_only = [line.strip() for line in solution.splitlines() if line.strip() and line.strip() not in stub]
        assert not [line for line in reference_only if line in answer.source and not line.startswith(("import", "from", '"""'))]
        for check in exercise.checks:
            cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == check_id(exercise.id, check.name))
            assert ("score_check" in cell.source) is check.visible


def test_the_gradebook_knows_every_check_as_a_grade_cell(built: tuple[LoadedCourse, Path]) -> None:
    from nbgrader.api import Gradebook

    loaded, course_dir = built
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=loaded.course.course) as gradebook:
        assignment = gradebook.find_assignment(loaded.course.course)
        cells = {cell.name: cell.max_score for notebook in assignment.notebooks for cell in notebook.grade_cells}
    assert cells == {check_id(e.id, c.name): c.points for e in loaded.course.exercises for c in e.checks}


def test_building_over_existing_notebooks_needs_force(built: tuple[LoadedCourse, Path]) -> None:
    _, course_dir = built
    completed = _build(course_dir, expect=2)
    assert "--force" in completed.stderr
