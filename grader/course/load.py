"""``course.yaml`` -> a validated :class:`~grader.course.schema.Course`, or every problem at once.

This is the one place the YAML is read (STYLE.md, principle 4). An instructor
fixing a course should see the whole list of what is wrong in one run, each
line naming the file, ``line:col``, the field path, what was expected and what
was found (principle 5), so nothing here stops at the first problem except a
YAML syntax error, after which there is no tree to point into.

Line numbers come from the node tree PyYAML composes (:mod:`grader.course.yaml_tree`);
the same loader then constructs the plain data pydantic validates, so positions and
values can never disagree and there is no second parser. Each pydantic error is put
into words by :mod:`grader.course.explain`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.course.explain import describe
from grader.course.schema import IDENTIFIER, Course
from grader.course.yaml_tree import Loc, Problem, node_position, read_yaml, render_path
from grader.errors import CourseError, UsageError


@dataclass(frozen=True)
class LoadedCourse:
    """A course that passed every check, with the folder its relative paths are resolved against."""

    course: Course
    root: Path
    """The folder holding ``course.yaml`` (resolved); ``exercises/``, ``solutions/`` and ``mutants/`` live here."""
    path: Path
    """The resolved ``course.yaml`` itself."""

    @property
    def exercise_ids(self) -> list[str]:
        """Every exercise's id, in the course's order: what a submission's files are named after."""
        return [exercise.id for exercise in self.course.exercises]


def check_exercise_ids(loaded: LoadedCourse, requested: Iterable[str]) -> tuple[str, ...]:
    """``requested`` when every id is one of the course's exercises; otherwise a UsageError with the closest id."""
    known = loaded.exercise_ids
    for exercise_id in requested:
        if exercise_id not in known:
            close = difflib.get_close_matches(exercise_id, known, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise UsageError(f"no exercise `{exercise_id}` in {loaded.path.name}{hint}; exercises: {', '.join(known)}")
    return tuple(requested)


def load_course(path: Path) -> LoadedCourse:
    """Read, validate and file-check ``course.yaml`` (or the folder holding it).

    Raises :class:`CourseError` listing every problem found, one line each.
    """
    course_path = path / "course.yaml" if path.is_dir() else path
    shown = _shown_name(course_path)
    if not course_path.is_file():
        raise CourseError([f"{shown}: not found (expected the course definition at {course_path.resolve()})"])
    try:
        text = course_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError([f"{shown}: cannot be read as UTF-8 text ({exc})"]) from exc

    tree, data, problems = read_yaml(text, shown)
    if tree is None:
        raise CourseError(
            [
                (
                    f"{shown}:1:1: expected the course definition (a mapping with `course`, `title`, `seed` and "
                    "`exercises`), found an empty file"
                )
            ]
        )
    course: Course | None = None
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        problems += [describe(error, tree) for error in exc.errors(include_url=False)]
    root = course_path.resolve().parent
    problems += _missing_files(data, tree, root)
    if problems or course is None:
        ordered = sorted(problems, key=lambda p: (p.line, p.col))
        raise CourseError([f"{shown}:{p.line}:{p.col}: {p.text}" for p in ordered])
    return LoadedCourse(course=course, root=root, path=course_path.resolve())


def _shown_name(path: Path) -> str:
    """The file as the instructor would type it: relative to the working directory when it lies below it."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def _missing_files(data: Any, tree: yaml.Node, root: Path) -> list[Problem]:
    """Files the course names but the folder lacks.

    Works on the raw data, not the model, so that a missing file is reported
    alongside schema errors elsewhere; entries whose ids or names are not
    valid are skipped here, since the schema already reports them.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return problems

    def report(loc: Loc, expected: str, rel: str, *, folder: bool = False) -> None:
        target = root / rel
        if target.is_dir() if folder else target.is_file():
            return
        line, col = node_position(tree, loc)
        what = "folder" if folder else "file"
        problems.append(Problem(line, col, f"{render_path(loc)}: expected {expected} at {rel}, found no such {what} (looked at {target})"))

    checks_dir = data.get("checks_dir")
    if isinstance(checks_dir, str):
        report(["checks_dir"], "the folder of instructor checks", checks_dir, folder=True)
    exercises = data.get("exercises")
    for i, exercise in enumerate(exercises if isinstance(exercises, list) else []):
        ex_id = exercise.get("id") if isinstance(exercise, dict) else None
        if not (isinstance(ex_id, str) and re.fullmatch(IDENTIFIER, ex_id)):
            continue
        report(["exercises", i], f"the student template of `{ex_id}`", f"exercises/{ex_id}.py")
        if data.get("released") is not True:
            report(["exercises", i], f"the reference solution of `{ex_id}`", f"solutions/{ex_id}.py")
        mutants = exercise.get("mutants")
        for j, mutant in enumerate(mutants if isinstance(mutants, list) else []):
            if not isinstance(mutant, dict):
                continue
            name, file = mutant.get("name"), mutant.get("file")
            label = f"the mutant `{name}`" if isinstance(name, str) else "a mutant"
            if isinstance(file, str):
                report(["exercises", i, "mutants", j, "file"], label, file)
            elif file is None and isinstance(name, str) and re.fullmatch(IDENTIFIER, name):
                report(["exercises", i, "mutants", j], label, f"mutants/{ex_id}/{name}.py")
    return problems


__all__ = ["LoadedCourse", "check_exercise_ids", "load_course"]
