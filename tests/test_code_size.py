"""Small enough to read: no function in ``grader/`` over 50 lines, no module over 400.

A newcomer should be able to hold a function on one screen and a module in one sitting.
Where something is longer for a reason, the reason is written down where a reader meets it:

- a module: a comment line ``# size: <why>`` among the comments at its top;
- a function: a comment line ``# size: <why>`` directly above its ``def`` (or its decorators).

An exemption whose object has come back under the limit fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import grader

PACKAGE = Path(grader.__file__).resolve().parent
FUNCTION_LINE_LIMIT = 50
MODULE_LINE_LIMIT = 400
EXEMPTION = re.compile(r"^\s*#\s*size:\s*(?P<why>\S.*)$")


@dataclass(frozen=True)
class Measured:
    """One module or function: where it is, how long it is, and the written reason it may be longer."""

    where: str
    lines: int
    why: str | None


def _module_exemption(lines: list[str]) -> str | None:
    """``# size: why`` among the comment lines that open the module."""
    for line in lines:
        if not line.startswith("#"):
            break
        if match := EXEMPTION.match(line):
            return match.group("why")
    return None


def _function_exemption(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """``# size: why`` on the line above the function's first decorator or ``def``."""
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    above = lines[first - 2] if first >= 2 else ""
    match = EXEMPTION.match(above)
    return match.group("why") if match else None


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def measured_modules() -> list[Measured]:
    found = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        found.append(Measured(_relative(path), len(lines), _module_exemption(lines)))
    return found


def measured_functions() -> list[Measured]:
    found = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                found.append(Measured(f"{_relative(path)}:{node.lineno} {node.name}", length, _function_exemption(lines, node)))
    return found


def test_the_walk_finds_the_package_and_its_functions() -> None:
    assert len(measured_modules()) > 50
    assert any(m.where.endswith(" main") and m.where.startswith("grader/cli.py") for m in measured_functions())


def test_no_module_is_over_the_limit_without_a_written_reason() -> None:
    over = [f"{m.where}: {m.lines} lines" for m in measured_modules() if m.lines > MODULE_LINE_LIMIT and m.why is None]
    assert not over, f"modules over {MODULE_LINE_LIMIT} lines (split them, or say why in a top comment `# size: ...`):\n" + "\n".join(over)


def test_no_function_is_over_the_limit_without_a_written_reason() -> None:
    over = [f"{m.where}: {m.lines} lines" for m in measured_functions() if m.lines > FUNCTION_LINE_LIMIT and m.why is None]
    assert not over, f"functions over {FUNCTION_LINE_LIMIT} lines (split them, or say why above the def `# size: ...`):\n" + "\n".join(over)


@pytest.mark.parametrize(("measured", "limit"), [(measured_modules, MODULE_LINE_LIMIT), (measured_functions, FUNCTION_LINE_LIMIT)])
def test_every_written_exemption_is_still_needed_so_the_list_only_shrinks(measured: object, limit: int) -> None:
    assert callable(measured)
    stale = [f"{m.where}: {m.lines} lines" for m in measured() if m.why is not None and m.lines <= limit]
    assert not stale, f"within {limit} lines now, remove the `# size:` comment:\n" + "\n".join(stale)


def test_an_exemption_is_read_only_where_the_rules_say() -> None:
    module = ["# size: the tables below are data", '"""Doc."""', "x = 1"]
    assert _module_exemption(module) == "the tables below are data"
    assert _module_exemption(['"""Doc."""', "# size: too late"]) is None
    source = "x = 1\n# size: one table of cases\n@decorator\ndef f():\n    pass\n\ndef g():\n    pass\n"
    nodes = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    assert _function_exemption(source.splitlines(), nodes[0]) == "one table of cases"
    assert _function_exemption(source.splitlines(), nodes[1]) is None
