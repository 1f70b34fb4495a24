"""The supported API is a list someone decided on: ``grader``'s exports are pinned, and every module says what it offers.

Changing the pinned list is a decision about compatibility, so it should show in a diff
of this file; every module's ``__all__`` names only what the module really defines.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import grader

PACKAGE = Path(grader.__file__).resolve().parent

SUPPORTED_API = [
    "CheckResult",
    "ClassRun",
    "Course",
    "CourseError",
    "ExerciseResult",
    "GradeOptions",
    "GradeRun",
    "GraderError",
    "LoadedCourse",
    "Plan",
    "SandboxError",
    "Submission",
    "SubmissionResult",
    "UsageError",
    "ValidationReport",
    "build_plan",
    "discover",
    "grade",
    "load_course",
    "load_submission",
    "run_class",
    "submission_from_json",
    "validate",
]


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            value = getattr(node, "value", None)
            assert isinstance(value, ast.List | ast.Tuple), "__all__ must be a literal list"
            return [ast.literal_eval(element) for element in value.elts]
    return None


def _top_level_names(statements: list[ast.stmt]) -> set[str]:
    """Names a module binds at import time (inside ``if``/``try`` blocks too, never inside functions)."""
    names: set[str] = set()
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.If | ast.Try):
            names |= _top_level_names([*node.body, *node.orelse, *getattr(node, "finalbody", [])])
    return names


def test_the_package_exports_exactly_the_supported_api() -> None:
    assert sorted(grader.__all__) == SUPPORTED_API


@pytest.mark.parametrize("name", SUPPORTED_API)
def test_every_exported_name_is_the_object_its_home_module_defines(name: str) -> None:
    value = getattr(grader, name)
    assert value is getattr(importlib.import_module(value.__module__), name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = grader.no_such_name  # type: ignore[attr-defined]


def test_importing_grader_loads_none_of_the_trusted_side() -> None:
    """The sandbox's worker imports ``grader.sandbox.*``: the package itself must not drag pydantic or pytest in."""
    probe = "import sys, grader; print(sorted(m for m in sys.modules if m.startswith(('grader.', 'pydantic', 'pytest'))))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert loaded.stdout.strip() == "[]"


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE.parent)))
def test_every_module_declares_all_and_defines_each_name_in_it(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = _declared_all(tree)
    assert declared is not None, f"{path.name} declares no __all__"
    assert len(declared) == len(set(declared)), f"{path.name}: a name is listed twice"
    defined = _top_level_names(tree.body)
    lazily_exported = "__getattr__" in defined
    missing = [name for name in declared if name not in defined]
    assert lazily_exported or not missing, f"{path.name}: __all__ names what it does not define: {missing}"
