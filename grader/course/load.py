"""``course.yaml`` -> a validated :class:`~grader.course.schema.Course`, or every problem at once.

This is the one place the YAML is read (STYLE.md, principle 4). An instructor
fixing a course should see the whole list of what is wrong in one run, each
line naming the file, ``line:col``, the field path, what was expected and what
was found (principle 5), so nothing here stops at the first problem except a
YAML syntax error, after which there is no tree to point into.

Line numbers come from the node tree PyYAML composes (``yaml.SafeLoader``); the
same loader then constructs the plain data pydantic validates, so positions and
values can never disagree and there is no second parser.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from grader.course.schema import IDENTIFIER, PYTHON_NAME, Course, field_names
from grader.errors import CourseError, UsageError

_Loc = Sequence[int | str]
_FOUND_MAX = 60
_PATTERNS = {
    IDENTIFIER: "a name of lowercase letters, digits and `_`, starting with a letter",
    PYTHON_NAME: "a Python identifier",
    r"^[a-z][a-z0-9_-]*$": "a name of lowercase letters, digits, `_` and `-`, starting with a letter",
}


@dataclass(frozen=True)
class LoadedCourse:
    """A course that passed every check, with the folder its relative paths are resolved against."""

    course: Course
    root: Path
    """The folder holding ``course.yaml`` (resolved); ``exercises/``, ``solutions/`` and ``mutants/`` live here."""
    path: Path
    """The resolved ``course.yaml`` itself."""


def check_exercise_ids(loaded: LoadedCourse, requested: Iterable[str]) -> tuple[str, ...]:
    """``requested`` when every id is one of the course's exercises; otherwise a UsageError with the closest id."""
    known = [exercise.id for exercise in loaded.course.exercises]
    for exercise_id in requested:
        if exercise_id not in known:
            close = difflib.get_close_matches(exercise_id, known, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise UsageError(f"no exercise `{exercise_id}` in {loaded.path.name}{hint}; exercises: {', '.join(known)}")
    return tuple(requested)


@dataclass(frozen=True)
class _Problem:
    """One problem before it is rendered; kept apart so the list can be sorted by position."""

    line: int
    col: int
    text: str


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

    tree, data, problems = _read_yaml(text, shown)
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
        problems += [_describe(error, tree) for error in exc.errors(include_url=False)]
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


def _compose_with_libyaml(text: str) -> tuple[yaml.Node | None, Any, list[_Problem]] | None:
    """The same tree and data through libyaml (7x faster on a class's course.yaml: every command pays it).

    None when libyaml is missing or the text is not valid YAML: the pure-Python loader then
    reads it again, so every error message keeps PyYAML's wording and position.
    """
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return None
    loader = loader_class(text)
    try:
        tree = loader.get_single_node()
        duplicates = _duplicate_keys(tree, [], set()) if tree is not None else []
        data = loader.construct_document(tree) if tree is not None else None
    except (yaml.YAMLError, ValueError):
        return None
    finally:
        loader.dispose()
    return tree, data, duplicates


def _read_yaml(text: str, shown: str) -> tuple[yaml.Node | None, Any, list[_Problem]]:
    """Compose the node tree, look for duplicate keys, then construct the data from that same tree.

    Duplicates are found before construction because constructing flattens
    ``<<`` merge keys into the tree, which would look like duplicates.
    """
    fast = _compose_with_libyaml(text)
    if fast is not None:
        return fast
    loader = yaml.SafeLoader(text)
    try:
        tree = loader.get_single_node()
        duplicates = _duplicate_keys(tree, [], set()) if tree is not None else []
        data = loader.construct_document(tree) if tree is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1:1"
        problem = str(exc.problem)
        if exc.context and exc.context_mark is not None:
            context = f"{exc.context} at line {exc.context_mark.line + 1}"
            # PyYAML splits some sentences in two: "expected a single document ... / but found another document"
            problem = f"{context}, {problem}" if problem.startswith("but ") else f"{problem} ({context})"
        raise CourseError([f"{shown}:{where}: invalid YAML: {problem}"]) from exc
    except (yaml.YAMLError, ValueError) as exc:  # e.g. a date-looking scalar that is no date
        raise CourseError([f"{shown}:1:1: invalid YAML: {exc}"]) from exc
    finally:
        loader.dispose()
    return tree, data, duplicates


def _duplicate_keys(node: yaml.Node, path: list[int | str], seen: set[int]) -> list[_Problem]:
    """Every key given twice in one mapping: PyYAML would silently keep the last one."""
    if id(node) in seen:  # an alias: its anchor was already walked
        return []
    seen.add(id(node))
    problems: list[_Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in first:
                    (line, col), (was_line, was_col) = _mark(key), _mark(first[key.value])
                    # on one line (a flow mapping) the lines alone would not tell the two apart
                    cols = (f" col {was_col}", f" col {col}") if line == was_line else ("", "")
                    problems.append(
                        _Problem(
                            line,
                            col,
                            (
                                f"{_render_path([*path, key.value])}: duplicate key `{key.value}` (first at line "
                                f"{was_line}{cols[0]}, again at line {line}{cols[1]}); YAML would silently keep only the last"
                            ),
                        )
                    )
                first.setdefault(key.value, key)
            problems += _duplicate_keys(value, [*path, str(key.value)], seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, [*path, index], seen)
    return problems


def _mark(node: yaml.Node) -> tuple[int, int]:
    """1-based ``(line, col)`` of where ``node`` starts."""
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _child(node: yaml.Node, part: int | str) -> tuple[yaml.Node | None, yaml.Node] | None:
    """``(key node, value node)`` one step below ``node``, or ``None`` when ``part`` is not there."""
    if isinstance(node, yaml.MappingNode):
        match = None
        for key, value in node.value:  # the last wins, as in the constructed data
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                match = (key, value)
        return match
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def _node_position(tree: yaml.Node, path: _Loc, *, key: bool = False) -> tuple[int, int]:
    """1-based ``(line, col)`` of the deepest node along ``path`` (a pydantic ``loc``).

    A path that runs past the YAML (a missing key) stops at the mapping lacking
    it; ``key=True`` points at the last key itself rather than its value, and a
    pydantic ``"[key]"`` step does the same for a bad dictionary key.
    """
    node, key_node = tree, None
    for step, part in enumerate(path):
        if part == "[key]" and key_node is not None:
            return _mark(key_node)
        found = _child(node, part)
        if found is None:
            return _mark(node)
        key_node, node = found
        if key and key_node is not None and step == len(path) - 1:
            return _mark(key_node)
    return _mark(node)


def _render_path(path: _Loc) -> str:
    """``exercises[2].checks[0].points``: the YAML's own keys and indices."""
    out = ""
    for part in path:
        if part == "[key]":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out or "(top level)"


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` so the walk sees the model, list, dict or Literal beneath."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _schema_at(path: _Loc) -> Any:
    """The type the schema expects at ``path`` (walking models, lists and dicts), or ``None`` if unknown."""
    annotation: Any = Course
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrap(annotation)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _found(value: Any) -> str:
    """A short, YAML-looking rendering of what the file holds (JSON is valid flow YAML)."""
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):  # e.g. a date as a mapping key
        text = repr(value)
    return text if len(text) <= _FOUND_MAX else text[: _FOUND_MAX - 3] + "..."


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _items(count: Any) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _listing(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _suggest(wrong: str, allowed: Sequence[str]) -> str:
    """``; did you mean `atol`?`` or, with nothing close, the full list of what is allowed."""
    close = difflib.get_close_matches(wrong, allowed, n=1)
    return f"; did you mean `{close[0]}`?" if close else f"; allowed here: {_listing(allowed)}"


def _describe(error: ErrorDetails, tree: yaml.Node) -> _Problem:
    """Turn one pydantic error into plain words placed at its YAML node."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx", {})
    found = _found(error["input"])
    schema = _schema_at(loc)
    noun = "a whole number" if schema is int else "a number"
    line, col = _node_position(tree, loc, key=kind == "extra_forbidden")
    path = _render_path(loc) + (" (a key)" if loc and loc[-1] == "[key]" else "")
    simple = {
        "greater_than": f"{noun} greater than {_number(ctx.get('gt'))}",
        "greater_than_equal": f"{noun} of at least {_number(ctx.get('ge'))}",
        "less_than": f"{noun} less than {_number(ctx.get('lt'))}",
        "less_than_equal": f"{noun} of at most {_number(ctx.get('le'))}",
        "float_type": "a number",
        "float_parsing": "a number",
        "finite_number": "a finite number",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "bool_type": "`true` or `false`",
        "bool_parsing": "`true` or `false`",
        "string_type": "a string",
        "list_type": "a list",
        "dict_type": "a mapping",
        "string_pattern_mismatch": _PATTERNS.get(str(ctx.get("pattern")), f"a string matching `{ctx.get('pattern')}`"),
        "string_too_short": "a non-empty string"
        if ctx.get("min_length") == 1
        else f"a string of at least {ctx.get('min_length')} characters",
        "too_short": f"a list of at least {_items(ctx.get('min_length'))}",
        "too_long": f"a list of at most {_items(ctx.get('max_length'))}",
    }
    if kind == "missing":
        name = loc[-1]
        line, col = _node_position(tree, loc[:-1])
        text = f"{_render_path(loc[:-1])}: expected a value for `{name}` (required), found no `{name}` key"
    elif kind == "extra_forbidden":
        parent = _schema_at(loc[:-1])
        allowed = field_names(parent) if _is_model(parent) else []
        hint = _suggest(str(loc[-1]), allowed) if allowed else ""
        text = f"{path}: expected no key `{loc[-1]}` here, found `{loc[-1]}: {found}`{hint}"
    elif kind == "literal_error":
        values = [str(v) for v in get_args(schema)] if get_origin(schema) is Literal else []
        expected = _listing(values) if values else str(ctx.get("expected"))
        hint = _suggest(str(error["input"]), values) if values else ""
        hint = hint if hint.startswith("; did") else ""
        text = f"{path}: expected one of {expected}, found {found}{hint}"
    elif kind in ("model_type", "model_attributes_type"):
        keys = f" with keys among {_listing(field_names(schema))}" if _is_model(schema) else ""
        text = f"{path}: expected a mapping{keys}, found {found}"
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", error["msg"]))
        text = f"{path}: {message}"  # a rule across keys: the mapping is the place, the rule says what
    elif kind in simple:
        text = f"{path}: expected {simple[kind]}, found {found}"
    else:
        text = f"{path}: {error['msg'][:1].lower()}{error['msg'][1:]}, found {found}"
    return _Problem(line, col, text)


def _missing_files(data: Any, tree: yaml.Node, root: Path) -> list[_Problem]:
    """Files the course names but the folder lacks.

    Works on the raw data, not the model, so that a missing file is reported
    alongside schema errors elsewhere; entries whose ids or names are not
    valid are skipped here, since the schema already reports them.
    """
    problems: list[_Problem] = []
    if not isinstance(data, dict):
        return problems

    def report(loc: _Loc, expected: str, rel: str, *, folder: bool = False) -> None:
        target = root / rel
        if target.is_dir() if folder else target.is_file():
            return
        line, col = _node_position(tree, loc)
        what = "folder" if folder else "file"
        problems.append(
            _Problem(line, col, f"{_render_path(loc)}: expected {expected} at {rel}, found no such {what} (looked at {target})")
        )

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
