"""Fast tests of the nbgrader bridge: solution cells, the in-kernel scorer and reading submitted notebooks.

No nbgrader command runs here (see ``test_nbgrader_workflow.py`` for that); expectations come
from the loaded course, never from hard-coded exercise ids.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.course.load import LoadedCourse, load_course
from grader.plan import build_plan
from grader.platforms.nbgrader_kernel import check_payload, score_check
from grader.platforms.nbgrader_names import check_id, parse_check_id, solution_id
from grader.platforms.nbgrader_read import read_submission, without_magics
from grader.platforms.solution_cell import BEGIN, END, solution_cell
from grader.sandbox.probes import PROBES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def loaded() -> LoadedCourse:
    return load_course(REPO)


def _cleared(source: str) -> str:
    """What nbgrader's ClearSolutions leaves: each solution region becomes `raise NotImplementedError()`."""
    out, inside = [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
            out.append(line[: line.index(BEGIN)] + "raise NotImplementedError()")
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def test_every_solution_cell_keeps_the_stub_and_holds_the_reference(loaded: LoadedCourse) -> None:
    for exercise in loaded.course.exercises:
        stub = (loaded.root / "exercises" / f"{exercise.id}.py").read_text(encoding="utf-8")
        solution = (loaded.root / "solutions" / f"{exercise.id}.py").read_text(encoding="utf-8")
        cell = solution_cell(stub, solution)
        ast.parse(cell.source)
        ast.parse(_cleared(cell.source))
        assert BEGIN in cell.source and END in cell.source, exercise.id
        for entry in exercise.entry_points:
            assert entry in _cleared(cell.source), f"{exercise.id}: the released cell lost `{entry}`"
        tree = ast.parse(stub)
        docstrings = [ast.get_docstring(node) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)]
        for doc in filter(None, docstrings):
            assert doc.splitlines()[0] in cell.source, f"{exercise.id}: the stub's docstring is not in the cell"


def test_solution_with_an_undeclared_helper_falls_back_to_one_region() -> None:
    stub = 'def f(x):\n    """Double x."""\n    raise NotImplementedError("double it")\n'
    solution = "def _twice(x):\n    return 2 * x\n\n\ndef f(x):\n    return _twice(x)\n"
    cell = solution_cell(stub, solution)
    assert not cell.merged and "module level" in cell.note
    assert cell.source.index("raise NotImplementedError") < cell.source.index(BEGIN) < cell.source.index("_twice")
    namespace: dict[str, Any] = {}
    exec(compile(cell.source, "<cell>", "exec"), namespace)
    assert namespace["f"](3) == 6


def test_merged_body_replaces_the_raise_and_keeps_the_task_as_a_comment() -> None:
    stub = 'import math\n\n\ndef f(x):\n    """Double x."""\n    raise NotImplementedError("double it")\n'
    solution = "import math\nimport numpy as np\n\n\ndef f(x):\n    # twice\n    return 2 * x\n"
    cell = solution_cell(stub, solution)
    assert cell.merged
    assert "# Task: double it" in cell.source and "import numpy as np" in cell.source
    namespace: dict[str, Any] = {}
    exec(compile(cell.source, "<cell>", "exec"), namespace)
    assert namespace["f"](4) == 8


def test_grade_ids_round_trip_and_never_collide() -> None:
    assert parse_check_id(check_id("square", "value_at_points")) == ("square", "value_at_points")
    assert parse_check_id(solution_id("square")) is None
    assert solution_id("a") != check_id("a", "solution")


def _module(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _payload_for_first_check(loaded: LoadedCourse) -> tuple[str, dict[str, Any], dict[str, Any], float]:
    """A real check's payload, with reference observations from the solution run here (trusted code)."""
    plan = build_plan(loaded.course, loaded.course.seed)
    exercise_plan = plan.exercises[0]
    planned = exercise_plan.checks[0]
    solution = _module(loaded.root / "solutions" / f"{exercise_plan.id}.py", f"solution_{exercise_plan.id}")
    reference = {c.probe_id: PROBES[c.probe["op"]](solution, "<solution>", {**c.probe, "id": c.probe_id}) for c in planned.cases}
    payload = check_payload(planned, exercise_plan.tolerances, reference, ())
    stub = _module(loaded.root / "exercises" / f"{exercise_plan.id}.py", f"stub_{exercise_plan.id}")
    return payload, dict(vars(solution)), dict(vars(stub)), planned.check.points


def test_a_test_cell_scores_the_reference_full_and_the_stub_zero_as_plain_floats(
    loaded: LoadedCourse, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, solution, stub, points = _payload_for_first_check(loaded)
    full = score_check(solution, payload)
    zero = score_check(stub, payload)
    assert type(full) is float and full == points
    assert type(zero) is float and zero == 0.0
    assert "not started" in capsys.readouterr().out


def test_warnings_and_stderr_from_student_code_never_reach_the_cells_stderr(
    loaded: LoadedCourse, capfd: pytest.CaptureFixture[str]
) -> None:
    import warnings

    payload, solution, _, points = _payload_for_first_check(loaded)
    noisy = dict(solution)
    entry = next(name for name, value in solution.items() if callable(value) and getattr(value, "__module__", "").startswith("solution_"))
    original = solution[entry]

    def loud(*args: Any, **kwargs: Any) -> Any:
        warnings.warn("a torch-style UserWarning", UserWarning, stacklevel=1)
        print("python stderr", file=sys.stderr)
        os.write(2, b"C-level stderr\n")
        return original(*args, **kwargs)

    noisy[entry] = loud
    score = score_check(noisy, payload)
    captured = capfd.readouterr()
    assert score == points
    assert captured.err == ""
    assert "UserWarning" in captured.out and "C-level stderr" in captured.out


def _notebook(cells: list[Any]) -> Any:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _solution(exercise_id: str, code: str) -> Any:
    meta = {"nbgrader": {"schema_version": 3, "grade": False, "solution": True, "locked": False, "grade_id": solution_id(exercise_id)}}
    return new_code_cell(code, metadata=meta)


def test_reading_finds_moved_and_copied_cells_and_explains_lost_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "submitted" / "alice" / "ps1"
    folder.mkdir(parents=True)
    cells = [
        new_markdown_cell("my notes"),
        new_code_cell("helper = 1"),  # a cell the student added
        _solution("b", "def g():\n    return 2\n"),  # moved above a's
        _solution("a", "%matplotlib inline\ndef f():\n    return 1\n"),
        _solution("a", "def f():\n    return 'copy'\n"),  # a copy: the first one counts
        new_code_cell("def h():\n    return 3\n"),  # c's answer, metadata lost
    ]
    nbformat.write(_notebook(cells), folder / "ps1.ipynb")
    submission = read_submission(folder, ["a", "b", "c"])
    assert submission.name == "alice"
    a, b, c = (submission.sources[e] for e in "abc")
    assert a is not None and a.text is not None and "return 1" in a.text and "copy" not in a.text
    ast.parse(a.text)
    assert b is not None and b.text is not None and "return 2" in b.text
    assert c is not None and c.text is None and c.problem is not None
    assert solution_id("c") in c.problem and "ps1.ipynb" in c.problem


def test_an_unreadable_notebook_costs_only_its_exercises(tmp_path: Path) -> None:
    folder = tmp_path / "bob" / "ps1"
    folder.mkdir(parents=True)
    (folder / "a.ipynb").write_text('{"cells": [', encoding="utf-8")
    nbformat.write(_notebook([_solution("b", "def g():\n    return 2\n")]), folder / "b.ipynb")
    submission = read_submission(folder, ["a", "b"])
    a, b = submission.sources["a"], submission.sources["b"]
    assert a is not None and a.text is None and a.problem is not None and "a.ipynb" in a.problem and "not a readable notebook" in a.problem
    assert b is not None and b.text is not None


def test_magics_become_harmless_lines() -> None:
    source = without_magics("%matplotlib inline\nx = 1\nif x:\n    !pip list\n")
    ast.parse(source)
    assert "x = 1" in source


def test_gradebook_flags_without_an_nbgrader_tree_are_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    folder = tmp_path / "class" / "alice"
    folder.mkdir(parents=True)
    code = main(["--course", str(REPO), "run", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--write-gradebook"])
    assert code == 2
    assert "--write-gradebook" in capsys.readouterr().err


def test_writing_grades_before_generate_assignment_says_what_to_run(tmp_path: Path) -> None:
    from grader.errors import UsageError
    from grader.platforms.nbgrader_gradebook import write_grades

    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'demo'\n", encoding="utf-8")
    with pytest.raises(UsageError, match="nbgrader generate_assignment ps9"):
        write_grades(tmp_path, "ps9", [])
