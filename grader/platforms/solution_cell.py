"""The code of an nbgrader solution cell: the stub, with the reference body between solution markers.

nbgrader's ``ClearSolutions`` replaces every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region
by ``raise NotImplementedError()``, so the released cell keeps the stub's signature and docstring
and the instructor's cell holds a working reference. Merging works on the AST of both files: each
stub function (or method) whose body is a single ``raise NotImplementedError(...)`` gets the body of
the function with the same qualified name in the solution. Module-level imports the solution needs
and the stub lacks are added as plain code (they reveal nothing). Anything that does not fit this
shape (a helper the stub does not declare, a stub function the solution lacks) falls back to the
stub followed by the whole solution inside one solution region, and says so.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


@dataclass(frozen=True)
class SolutionCell:
    source: str
    merged: bool
    """False when the fallback (stub, then the whole solution in one region) was used."""
    note: str = ""


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[prefix + node.name] = node
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def _body_without_docstring(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _raises_not_implemented(statements: list[ast.stmt]) -> ast.Raise | None:
    if len(statements) != 1 or not isinstance(statements[0], ast.Raise):
        return None
    raised = statements[0].exc
    target = raised.func if isinstance(raised, ast.Call) else raised
    return statements[0] if isinstance(target, ast.Name) and target.id == "NotImplementedError" else None


def _task_text(raise_node: ast.Raise) -> str:
    call = raise_node.exc
    if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return ""


def _imports(tree: ast.Module, text: str) -> list[str]:
    return [ast.get_source_segment(text, node) or "" for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def _only_definitions(tree: ast.Module) -> bool:
    """True when the solution's top level is a docstring, imports and definitions (nothing to hide elsewhere)."""
    for index, node in enumerate(tree.body):
        docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (docstring or isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)):
            return False
    return True


def _fallback(stub: str, solution: str, why: str) -> SolutionCell:
    source = f"{stub.rstrip()}\n\n{BEGIN}\n{solution.rstrip()}\n{END}\n"
    return SolutionCell(source=source, merged=False, note=why)


def solution_cell(stub: str, solution: str) -> SolutionCell:
    """Merge ``stub`` and ``solution`` (module sources) into one solution cell's code."""
    stub_tree, solution_tree = ast.parse(stub), ast.parse(solution)
    stub_functions, solution_functions = _functions(stub_tree), _functions(solution_tree)
    if _top_level_names(solution_tree) - _top_level_names(stub_tree) or not _only_definitions(solution_tree):
        return _fallback(stub, solution, "the solution defines more at module level than the stub declares")
    solution_lines = solution.splitlines()
    replacements: list[tuple[int, int, list[str]]] = []
    for name, function in stub_functions.items():
        raise_node = _raises_not_implemented(_body_without_docstring(function))
        if raise_node is None:
            continue
        reference = solution_functions.get(name)
        if reference is None or not _body_without_docstring(reference):
            return _fallback(stub, solution, f"the solution has no body for `{name}`")
        body = _body_without_docstring(reference)
        first = body[0].lineno - 1
        last = body[-1].end_lineno or body[-1].lineno
        # comments just above the first statement belong to the body
        while first > 0 and solution_lines[first - 1].strip().startswith("#"):
            first -= 1
        code = textwrap.dedent("\n".join(solution_lines[first:last]))
        indent = " " * raise_node.col_offset
        task = _task_text(raise_node)
        block = [f"{indent}# Task: {task}"] if task else []
        block += [f"{indent}{BEGIN}", *[f"{indent}{line}" if line else "" for line in code.splitlines()], f"{indent}{END}"]
        replacements.append((raise_node.lineno - 1, raise_node.end_lineno or raise_node.lineno, block))
    if not replacements:
        return _fallback(stub, solution, "the stub has no function that raises NotImplementedError")
    lines = stub.splitlines()
    for start, end, block in sorted(replacements, reverse=True):
        lines[start:end] = block
    stub_imports = set(_imports(stub_tree, stub))
    missing = [
        line
        for line in _imports(solution_tree, solution)
        if line not in stub_imports and line.split()[:2] not in _import_heads(stub_imports)
    ]
    if missing:
        last_import = max(
            (node.end_lineno or node.lineno for node in stub_tree.body if isinstance(node, ast.Import | ast.ImportFrom)), default=0
        )
        lines[last_import:last_import] = missing
    return SolutionCell(source="\n".join(lines).rstrip() + "\n", merged=True)


def _import_heads(imports: set[str]) -> list[list[str]]:
    """``import torch  # noqa`` and ``import torch`` are the same import."""
    return [line.split("#")[0].split()[:2] for line in imports]


__all__ = ["BEGIN", "END", "SolutionCell", "solution_cell"]
