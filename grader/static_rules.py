"""Rules checked on a student's source before it runs: parsing only, in the trusted process.

``forbid_autograd`` exercises ask for derivatives worked out by hand; this
rule finds the ways a beginner would reach for autograd anyway and names the
line. It is a teaching rule, not a security boundary: code that hides its
intent (``getattr(x, "back" + "ward")``) is out of its reach, and the
comparison with the reference still grades the numbers.
"""

from __future__ import annotations

import ast

AUTOGRAD_MODULES = ("torch.autograd", "torch.func", "functorch")
AUTOGRAD_ATTRIBUTES = {
    "backward": "backward()",
    "autograd": "torch.autograd",
    "func": "torch.func",
    "requires_grad": "requires_grad",
    "requires_grad_": "requires_grad_()",
    "grad": ".grad",
    "enable_grad": "torch.enable_grad",
}


def _is_autograd_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in AUTOGRAD_MODULES)


def _autograd_in(node: ast.AST) -> str | None:
    """What autograd feature ``node`` uses, or ``None``."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if _is_autograd_module(alias.name):
                return f"import {alias.name}"
    if isinstance(node, ast.ImportFrom) and node.module:
        if _is_autograd_module(node.module):
            return f"from {node.module} import ..."
        if node.module == "torch" and any(alias.name in ("autograd", "func") for alias in node.names):
            return "from torch import autograd/func"
    if isinstance(node, ast.Attribute) and node.attr in AUTOGRAD_ATTRIBUTES:
        return AUTOGRAD_ATTRIBUTES[node.attr]
    if isinstance(node, ast.keyword) and node.arg == "requires_grad":
        return "requires_grad=..."
    return None


def autograd_use(file_name: str, source: str) -> str | None:
    """The first use of autograd in ``source`` as ``file line N: `code` uses X``, or ``None``.

    The source must parse (callers check syntax first).
    """
    tree = ast.parse(source, filename=file_name)
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        what = _autograd_in(node)
        if what is not None:
            # ordered by place, innermost first: `torch.autograd.grad` is named as torch.autograd
            place = (getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
            found.append((place, what))
    if not found:
        return None
    (line, _, _), what = min(found)
    code = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
    return (
        f"{file_name} line {line}: `{code}` uses {what}; this exercise is solved without autograd: "
        "work the derivative out by hand and compute it with plain arithmetic"
    )


__all__ = ["autograd_use"]
