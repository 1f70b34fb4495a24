"""The grader is a pipeline, and its imports say so: no import circle, and none running back up.

An AST walk of ``grader/`` (imports at module level and inside functions alike; only
``if TYPE_CHECKING:`` blocks are exempt, as they never run) checks the import graph
against the layers below. A module may import from its own layer or any lower one.
What today's code still does against the grain is listed in :data:`KNOWN_UPWARD`,
each with why, so that the list can only shrink: a new upward import fails, and so
does an entry that no longer happens.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

import grader

PACKAGE = Path(grader.__file__).resolve().parent

LAYERS: list[tuple[str, list[str]]] = [
    # Leaves with no grader imports that every stage may use.
    (
        "foundation",
        [
            "grader",
            "grader.errors",
            "grader.atomic_files",
            "grader.text_safety",
            "grader.printed_output",
            "grader.png",
            "grader.plot_numbers",
            "grader.student_errors",
        ],
    ),
    # The confined side and the trusted client that drives it; knows nothing of courses.
    ("sandbox", ["grader.sandbox", "grader.sandbox.*", "grader.executors", "grader.executor_dask"]),
    # What grading starts from: the course, the submissions, the vocabulary of outcomes.
    (
        "course",
        [
            "grader.course",
            "grader.course.kinds",
            "grader.course.value_specs",
            "grader.course.schema",
            "grader.course.tolerances",
            "grader.course.yaml_tree",
            "grader.course.explain",
            "grader.course.load",
            "grader.submissions",
            "grader.results",
            "grader.static_rules",
            "grader.platforms.nbgrader_names",
            "grader.platforms.nbgrader_read",
            "grader.platforms.solution_cell",
        ],
    ),
    # Course + seed -> probes: the only place randomness happens.
    ("plan", ["grader.plan", "grader.plan_values", "grader.plot_plan", "grader.seeds"]),
    # Probes -> observations, through the sandbox.
    ("evaluate", ["grader.evaluate"]),
    # Observations -> check results (pytest items, judges, comparison, hints).
    ("checks", ["grader.checks", "grader.checks.*", "grader.compare", "grader.platforms.nbgrader_kernel"]),
    # The stages put together: a submission in, a SubmissionResult out.
    ("grading", ["grader.engine", "grader.baseline_cache", "grader.feedback_data", "grader.course.cost", "grader.fingerprint"]),
    # Result records -> what people read: terminal, CSV, JSON, HTML, LMS and Gradescope files.
    (
        "report",
        ["grader.report", "grader.report.*", "grader.late_policy", "grader.regrade", "grader.similarity", "grader.export_lms"],
    ),
    # One library function per verb, and the platforms' verbs built on them.
    (
        "commands",
        [
            "grader.commands",
            "grader.class_run",
            "grader.release",
            "grader.validation",
            "grader.class_sources",
            "grader.release_wheel",
            "grader.platforms",
            "grader.platforms.gradescope",
            "grader.platforms.nbgrader_build",
            "grader.platforms.nbgrader_gradebook",
        ],
    ),
    # Parse -> call -> render -> exit code.
    ("cli", ["grader.cli", "grader.cli_args", "grader.progress", "grader.instructor_verbs", "grader.platforms.verbs"]),
]

KNOWN_UPWARD: dict[tuple[str, str], str] = {}
"""(importer, imported) -> why it is still allowed. Remove an entry when its import goes."""

KNOWN_CIRCLES: dict[tuple[str, str], str] = {}
"""Import edges left out of the circle search, each with why; the test fails when one no longer happens."""

WORKER_SIDE_EXCEPTIONS: dict[str, str] = {}
"""Confined-side modules that still import the trusted side, each with why."""

WORKER_SIDE_THIRD_PARTY = {"torch", "numpy", "matplotlib"}
"""What the sandbox's confined side may import besides the standard library and its own modules."""

TRUSTED_SANDBOX_MODULES = {"grader.sandbox.client"}
"""The sandbox's trusted side: the grader's half of the wire, free to import the grader's errors."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth, skipping ``if TYPE_CHECKING:`` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _import_nodes(other)
        else:
            yield from _import_nodes(child)


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """The modules ``module`` imports (``from package import submodule`` counts as the submodule)."""
    found: set[str] = set()
    for node in _import_nodes(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        source = _absolute(module, node)
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            found.add(submodule if submodule in MODULES else source)
    return frozenset(found)


def grader_imports(module: str, *, all_edges: bool = False) -> frozenset[str]:
    """The grader modules ``module`` imports; without ``all_edges``, less the edges of :data:`KNOWN_CIRCLES`."""
    found = {name for name in imports_of(module) if name in MODULES and name != module}
    return frozenset(found if all_edges else {name for name in found if (module, name) not in KNOWN_CIRCLES})


def layer_of(module: str) -> int:
    matches = [index for index, (_, patterns) in enumerate(LAYERS) if any(fnmatchcase(module, p) for p in patterns)]
    assert len(matches) == 1, f"{module} is in {len(matches)} layers; give it exactly one in LAYERS"
    return matches[0]


def upward_imports() -> set[tuple[str, str]]:
    return {(module, imported) for module in MODULES for imported in grader_imports(module) if layer_of(imported) > layer_of(module)}


def _circle_through(start: str) -> list[str] | None:
    """The shortest import path from ``start`` back to itself, if there is one."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(grader_imports(module)):
                if imported == start:
                    return [*paths[module], start]
                if imported not in paths:
                    paths[imported] = [*paths[module], imported]
                    following.append(imported)
        frontier = following
    return None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_belongs_to_exactly_one_layer(module: str) -> None:
    layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_part_of_an_import_circle(module: str) -> None:
    assert _circle_through(module) is None, " -> ".join(_circle_through(module) or [])


def test_no_import_runs_back_up_the_pipeline_beyond_the_known_ones() -> None:
    new = sorted(upward_imports() - KNOWN_UPWARD.keys())
    described = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})" for a, b in new]
    assert not new, "imports running back up the pipeline:\n" + "\n".join(described)


def test_every_known_upward_import_still_happens_so_the_list_only_shrinks() -> None:
    gone = sorted(KNOWN_UPWARD.keys() - upward_imports())
    assert not gone, f"no longer imported upward, remove from KNOWN_UPWARD: {gone}"


def test_every_known_circle_edge_still_happens_so_the_list_only_shrinks() -> None:
    gone = sorted(edge for edge in KNOWN_CIRCLES if edge[1] not in grader_imports(edge[0], all_edges=True))
    assert not gone, f"no longer imported, remove from KNOWN_CIRCLES: {gone}"


def test_every_worker_side_exception_still_imports_the_trusted_side() -> None:
    cleaned = sorted(module for module in WORKER_SIDE_EXCEPTIONS if not _foreign_imports(module))
    assert not cleaned, f"now import only what the confined side may, remove from WORKER_SIDE_EXCEPTIONS: {cleaned}"


def _foreign_imports(module: str) -> list[str]:
    return sorted(
        name
        for name in imports_of(module)
        if name.split(".")[0] not in sys.stdlib_module_names | WORKER_SIDE_THIRD_PARTY
        and not (name.startswith("grader.sandbox") and name not in TRUSTED_SANDBOX_MODULES)
    )


@pytest.mark.parametrize(
    "module",
    sorted(m for m in MODULES if m.startswith("grader.sandbox") and m not in TRUSTED_SANDBOX_MODULES | WORKER_SIDE_EXCEPTIONS.keys()),
)
def test_the_sandbox_worker_side_imports_only_the_standard_library_torch_numpy_and_itself(module: str) -> None:
    """Whatever the confined side imports is loaded in the process that then imports the student's file."""
    foreign = _foreign_imports(module)
    assert not foreign, f"{module} imports {foreign}"
