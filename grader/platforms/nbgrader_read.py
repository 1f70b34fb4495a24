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

import json
import os
import re
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.platforms.nbgrader_names import solution_id
from grader.submissions import (
    DEFAULT_MAX_SUBMISSION_BYTES,
    MAX_SOURCE_BYTES,
    Refused,
    SourceFile,
    Submission,
    display_name,
    open_folder,
    read_regular,
    refused_submission,
    shown,
    unfollowed,
    within_total,
)

_MAGIC = re.compile(r"^(\s*)[%!]")

MAX_NOTEBOOK_BYTES = 50 * MAX_SOURCE_BYTES
"""One notebook file, outputs and images included."""
MAX_NOTEBOOKS_BYTES = 4 * MAX_NOTEBOOK_BYTES
"""All of one submission's notebooks: past it, the rest are not read (reading and parsing cost the whole class time)."""


def without_magics(source: str) -> str:
    """IPython magics and shell lines (``%matplotlib inline``, ``!pip ...``) are not Python: keep the lines, neutralised."""
    return "\n".join(_MAGIC.sub(r"\1pass  # notebook-only line, not run by grade: ", line, count=1) for line in source.splitlines())


_RESAVE = "open it in Jupyter, save it and hand it in again"


def _parsed(data: bytes, label: str) -> Any:
    """The notebook in ``data`` as nbformat v4; the refusal says where the JSON broke, never what it holds."""
    import nbformat  # the optional `nbgrader` extra; imported here so `grade run` on plain folders never needs it

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(f"{label} is not a readable notebook (not UTF-8 at byte {error.start}); {_RESAVE}") from None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"invalid JSON at line {error.lineno}, column {error.colno}"
        raise Refused(f"{label} is not a readable notebook ({where}); {_RESAVE}") from None
    except (ValueError, RecursionError) as error:
        raise Refused(f"{label} is not a readable notebook ({type(error).__name__}); {_RESAVE}") from None
    if not isinstance(content, dict):
        raise Refused(f"{label} is not a readable notebook (its JSON is not an object); {_RESAVE}")
    try:
        return nbformat.convert(nbformat.from_dict(content), 4)
    except Exception as error:  # nbformat's errors quote the notebook: only their type is shown
        raise Refused(f"{label} is not a readable notebook ({type(error).__name__}); {_RESAVE}") from None


def _notebooks(folder: int) -> list[str]:
    """The names of the folder's notebooks (links and other non-files included: reading them refuses them)."""
    return sorted(name for name in os.listdir(folder) if name.endswith(".ipynb") and not name.startswith("."))


def _read_notebooks(folder: int, names: list[str]) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    """Each notebook parsed, or why not: ``(name, notebook)`` and ``(name, problem)`` pairs."""
    readable: list[tuple[str, Any]] = []
    unreadable: list[tuple[str, str]] = []
    budget = MAX_NOTEBOOKS_BYTES
    for name in names:
        label = shown(name)
        try:
            if budget <= 0:
                raise Refused(f"{label} was not read: this submission's notebooks together pass {MAX_NOTEBOOKS_BYTES} bytes")
            data = read_regular(name, folder, label, MAX_NOTEBOOK_BYTES)
            budget -= len(data)
            readable.append((name, _parsed(data, label)))
        except Refused as refusal:
            unreadable.append((name, str(refusal)))
    return readable, unreadable


def _answer(path: Path, text: str, label: str) -> SourceFile:
    size = len(text.encode("utf-8"))
    if size > MAX_SOURCE_BYTES:
        return SourceFile(path, None, f"the answer cell in {label} is {size} bytes; the limit is {MAX_SOURCE_BYTES}")
    return SourceFile(path=path, text=without_magics(text))


def read_submission(
    folder: Path, exercise_ids: list[str], name: str | None = None, max_total_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES
) -> Submission:
    """One student's assignment folder: each exercise's solution cell, or why it cannot be graded.

    The folder and its notebooks are opened without following links: a notebook that is a link
    (to a root-only file, to another student's notebook) is refused, not read.
    """
    path = unfollowed(folder)
    student = name or display_name(path.parent.name)
    try:
        with open_folder(path, f"{shown(path.name)}/") as opened:
            names = _notebooks(opened)
            notebooks, unreadable = _read_notebooks(opened, names)
    except Refused as refusal:
        return refused_submission(student, path, exercise_ids, str(refusal))
    except OSError as error:
        return refused_submission(student, path, exercise_ids, f"{shown(path.name)}/ could not be listed ({error.strerror})")
    wanted = {solution_id(e): e for e in exercise_ids}
    found: dict[str, SourceFile] = {}
    for notebook_name, notebook in notebooks:
        for index, cell in enumerate(notebook.get("cells", [])):
            metadata = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
            if cell.get("cell_type") != "code" or not isinstance(grade_id, str) or grade_id not in wanted:
                continue
            exercise_id = wanted[grade_id]
            if exercise_id not in found:
                source = cell.get("source", "")
                text = "".join(map(str, source)) if isinstance(source, list) else str(source)
                found[exercise_id] = _answer(path / notebook_name / f"cell-{index + 1}", text, shown(notebook_name))
    sources: dict[str, SourceFile | None] = {}
    for exercise_id in exercise_ids:
        if exercise_id in found:
            sources[exercise_id] = found[exercise_id]
        elif unreadable:
            bad, problem = next(((n, m) for n, m in unreadable if Path(n).stem == exercise_id), unreadable[0])
            sources[exercise_id] = SourceFile(path / bad, None, problem)
        elif names:
            listed = shown(", ".join(names))
            sources[exercise_id] = SourceFile(
                path,
                None,
                f"no code cell with nbgrader grade_id `{solution_id(exercise_id)}` in {listed}: the answer cell for "
                f"`{exercise_id}` was deleted or lost its metadata; start from a fresh copy of the assignment and paste your code into it",
            )
        else:
            sources[exercise_id] = None
    return Submission(name=student, path=path, sources=within_total(sources, max_total_bytes))


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


def discover(
    submitted: Path, assignment: str, exercise_ids: list[str], max_total_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES
) -> list[Submission]:
    """Every student's submission of ``assignment`` under nbgrader's ``submitted/`` folder, by student id.

    A student folder or assignment folder that is a link is refused (recorded for that student), never followed.
    """
    if not submitted.is_dir():
        raise UsageError(f"{submitted}: not a folder (expected nbgrader's submitted/ folder)")
    found = []
    for student in sorted(submitted.resolve().iterdir()):
        folder = student / assignment
        if student.name.startswith(".") or not folder.is_dir():
            continue
        name = display_name(student.name)
        if student.is_symlink():
            problem = f"submitted/{shown(student.name)} is a symbolic link, not a student's folder: nothing in it was read"
            found.append(refused_submission(name, folder, exercise_ids, problem))
        else:
            found.append(read_submission(folder, exercise_ids, name, max_total_bytes))
    if not found:
        present = ", ".join(assignments_in(submitted)) or "none"
        raise UsageError(f"{submitted}: no submitted/<student>/{assignment}/ folders (assignments here: {present})")
    return found


__all__ = ["assignments_in", "choose_assignment", "discover", "is_submitted_tree", "read_submission", "without_magics"]
