"""One pydantic error on ``course.yaml`` -> plain words placed at its YAML node.

Each problem names the path, what was expected and what was found, with a "did
you mean" where a close name exists (STYLE.md principle 5).
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails

from grader.course.schema import IDENTIFIER, PYTHON_NAME, Course, field_names
from grader.course.yaml_tree import Loc, Problem, node_position, render_path

_FOUND_MAX = 60
_PATTERNS = {
    IDENTIFIER: "a name of lowercase letters, digits and `_`, starting with a letter",
    PYTHON_NAME: "a Python identifier",
    r"^[a-z][a-z0-9_-]*$": "a name of lowercase letters, digits, `_` and `-`, starting with a letter",
}


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


def _schema_at(path: Loc) -> Any:
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


def describe(error: ErrorDetails, tree: yaml.Node) -> Problem:
    """Turn one pydantic error into plain words placed at its YAML node."""
    loc, kind = error["loc"], error["type"]
    if kind == "missing":  # placed at the mapping that lacks the key
        line, col = node_position(tree, loc[:-1])
        name = loc[-1]
        return Problem(line, col, f"{render_path(loc[:-1])}: expected a value for `{name}` (required), found no `{name}` key")
    line, col = node_position(tree, loc, key=kind == "extra_forbidden")
    path = render_path(loc) + (" (a key)" if loc and loc[-1] == "[key]" else "")
    return Problem(line, col, f"{path}: {_what_is_wrong(error)}")


def _what_is_wrong(error: ErrorDetails) -> str:
    """What was expected and what was found, for every error but a missing key."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx", {})
    found = _found(error["input"])
    schema = _schema_at(loc)
    if kind == "extra_forbidden":
        parent = _schema_at(loc[:-1])
        allowed = field_names(parent) if _is_model(parent) else []
        hint = _suggest(str(loc[-1]), allowed) if allowed else ""
        return f"expected no key `{loc[-1]}` here, found `{loc[-1]}: {found}`{hint}"
    if kind == "literal_error":
        values = [str(v) for v in get_args(schema)] if get_origin(schema) is Literal else []
        expected = _listing(values) if values else str(ctx.get("expected"))
        hint = _suggest(str(error["input"]), values) if values else ""
        return f"expected one of {expected}, found {found}{hint if hint.startswith('; did') else ''}"
    if kind in ("model_type", "model_attributes_type"):
        keys = f" with keys among {_listing(field_names(schema))}" if _is_model(schema) else ""
        return f"expected a mapping{keys}, found {found}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))  # a rule across keys: the mapping is the place, the rule says what
    simple = _expected(kind, ctx, "a whole number" if schema is int else "a number")
    if simple is not None:
        return f"expected {simple}, found {found}"
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}, found {found}"


def _expected(kind: str, ctx: dict[str, Any], noun: str) -> str | None:
    """What a simple error's value should have been (``noun``: a number or a whole number); ``None`` for other errors."""
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
    return simple.get(kind)


__all__ = ["describe"]
