"""Submissions from nbgrader's ``submitted/<student>/<assignment>/`` tree, one solution cell per exercise.

Each exercise's code is the first code cell whose nbgrader ``grade_id`` is the exercise's
solution id (:mod:`grader.platforms.nbgrader_names`), in whichever notebook of the submission it
now sits: students may add, move or copy cells (nbgrader's own ``DeduplicateIds`` also keeps the
first of duplicated ids). Only that cell is graded, in the sandbox; cells a student added are not
part of the answer. A notebook that will not parse, or a solution cell that lost its metadata,
becomes a :class:`~grader.submissions.SourceFile` with a problem naming the file, so that exercise
scores 0 with the reason and the rest of the class is graded.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.platforms.nbgrader_names import solution_id
from grader.submissions import MAX_SOURCE_BYTES, SourceFile, Submission

_MAGIC = re.compile(r"^(\s*)[%!]")


def without_magics(source: str) -> str:
    """IPython magics and shell lines (``%matplotlib inline``, ``!pip ...``) are not Python: keep the lines, neutralised."""
    return "\n".join(_MAGIC.sub(r"\1pass  # notebook-only line, not run by grade: ", line, count=1) for line in source.splitlines())


def _read_notebook(path: Path) -> tuple[Any | None, str | None]:
    import nbformat  # the optional `nbgrader` extra; imported here so `grade run` on plain folders never needs it

    try:
        if path.stat().st_size > 50 * MAX_SOURCE_BYTES:
            return None, f"{path.name} is {path.stat().st_size} bytes, too large to be a submitted notebook"
        return nbformat.read(path, as_version=4), None
    except Exception as error:  # nbformat raises JSON, validation, unicode and OS errors alike
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"{path.name} is not a readable notebook ({first_line[:200]}); open it in Jupyter, save it and hand it in again"


def read_submission(folder: Path, exercise_ids: list[str], name: str | None = None) -> Submission:
    """One student's assignment folder: each exercise's solution cell, or why it cannot be graded."""
    wanted = {solution_id(e): e for e in exercise_ids}
    found: dict[str, SourceFile] = {}
    unreadable: list[tuple[Path, str]] = []
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    for path in notebooks:
        notebook, problem = _read_notebook(path)
        if notebook is None:
            unreadable.append((path, problem or "unreadable"))
            continue
        for index, cell in enumerate(notebook.get("cells", [])):
            metadata = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
            if cell.get("cell_type") != "code" or grade_id not in wanted:
                continue
            exercise_id = wanted[grade_id]
            if exercise_id not in found:
                source = cell.get("source", "")
                text = "".join(source) if isinstance(source, list) else str(source)
                found[exercise_id] = SourceFile(path=path / f"cell-{index + 1}", text=without_magics(text))
    sources: dict[str, SourceFile | None] = {}
    for exercise_id in exercise_ids:
        if exercise_id in found:
            sources[exercise_id] = found[exercise_id]
        elif unreadable:
            path, problem = next(((p, m) for p, m in unreadable if p.stem == exercise_id), unreadable[0])
            sources[exercise_id] = SourceFile(path, None, problem)
        elif notebooks:
            names = ", ".join(p.name for p in notebooks)
            sources[exercise_id] = SourceFile(
                folder,
                None,
                f"no code cell with nbgrader grade_id `{solution_id(exercise_id)}` in {names}: the answer cell for "
                f"`{exercise_id}` was deleted or lost its metadata; start from a fresh copy of the assignment and paste your code into it",
            )
        else:
            sources[exercise_id] = None
    student = name or unicodedata.normalize("NFC", folder.resolve().parent.name)
    return Submission(name=student, path=folder.resolve(), sources=sources)


def assignments_in(submitted: Path) -> list[str]:
    """Assignment names present under ``submitted/<student>/``."""
    return sorted({p.parent.name for p in submitted.glob("*/*/*.ipynb")})


def is_submitted_tree(path: Path) -> bool:
    """True for nbgrader's ``submitted/`` folder (``<student>/<assignment>/*.ipynb``)."""
    return path.is_dir() and any(path.glob("*/*/*.ipynb"))


def choose_assignment(submitted: Path, requested: str | None, default: str) -> str:
    if requested:
        return requested
    present = assignments_in(submitted)
    if len(present) == 1:
        return present[0]
    if default in present:
        return default
    raise UsageError(f"{submitted} holds the assignments {', '.join(present) or '(none)'}: choose one with --assignment")


def discover(submitted: Path, assignment: str, exercise_ids: list[str]) -> list[Submission]:
    """Every student's submission of ``assignment`` under nbgrader's ``submitted/`` folder, by student id."""
    if not submitted.is_dir():
        raise UsageError(f"{submitted}: not a folder (expected nbgrader's submitted/ folder)")
    folders = sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir() and not p.parent.name.startswith("."))
    if not folders:
        present = ", ".join(assignments_in(submitted)) or "none"
        raise UsageError(f"{submitted}: no submitted/<student>/{assignment}/ folders (assignments here: {present})")
    return [read_submission(folder, exercise_ids) for folder in folders]


__all__ = ["assignments_in", "choose_assignment", "discover", "is_submitted_tree", "read_submission", "without_magics"]
