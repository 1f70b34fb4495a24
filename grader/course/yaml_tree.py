"""``course.yaml`` as PyYAML's node tree: read once, with every node's ``line:col``.

The loader (:mod:`grader.course.load`) validates the data constructed from this
tree and places each problem at the node it concerns, so positions and values can
never disagree and there is no second parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from grader.errors import CourseError

Loc = Sequence[int | str]


@dataclass(frozen=True)
class Problem:
    """One problem before it is rendered; kept apart so the list can be sorted by position."""

    line: int
    col: int
    text: str


def _compose_with_libyaml(text: str) -> tuple[yaml.Node | None, Any, list[Problem]] | None:
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


def read_yaml(text: str, shown: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
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


def _duplicate_keys(node: yaml.Node, path: list[int | str], seen: set[int]) -> list[Problem]:
    """Every key given twice in one mapping: PyYAML would silently keep the last one."""
    if id(node) in seen:  # an alias: its anchor was already walked
        return []
    seen.add(id(node))
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in first:
                    (line, col), (was_line, was_col) = mark(key), mark(first[key.value])
                    # on one line (a flow mapping) the lines alone would not tell the two apart
                    cols = (f" col {was_col}", f" col {col}") if line == was_line else ("", "")
                    problems.append(
                        Problem(
                            line,
                            col,
                            (
                                f"{render_path([*path, key.value])}: duplicate key `{key.value}` (first at line "
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


def mark(node: yaml.Node) -> tuple[int, int]:
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


def node_position(tree: yaml.Node, path: Loc, *, key: bool = False) -> tuple[int, int]:
    """1-based ``(line, col)`` of the deepest node along ``path`` (a pydantic ``loc``).

    A path that runs past the YAML (a missing key) stops at the mapping lacking
    it; ``key=True`` points at the last key itself rather than its value, and a
    pydantic ``"[key]"`` step does the same for a bad dictionary key.
    """
    node, key_node = tree, None
    for step, part in enumerate(path):
        if part == "[key]" and key_node is not None:
            return mark(key_node)
        found = _child(node, part)
        if found is None:
            return mark(node)
        key_node, node = found
        if key and key_node is not None and step == len(path) - 1:
            return mark(key_node)
    return mark(node)


def render_path(path: Loc) -> str:
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


__all__ = ["Loc", "Problem", "node_position", "read_yaml", "render_path"]
