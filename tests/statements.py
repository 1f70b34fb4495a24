"""Normalised Python statements (``ast.unparse``), found in source files and in prose.

The release test compares statements, not raw lines: ``return grad_output*2*i``
in a stub's error message is the same statement as ``return grad_output * 2 * i``
in a solution, whatever the spacing, quoting or redundant parentheses.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Iterator

_SPLIT = re.compile(r"[`;]|^\s*[-*]\s+|\.\s+(?=[A-Z])")
"""Where a line of prose may hold separate pieces of code: backticks, semicolons, list bullets, sentence ends."""
_START = re.compile(r"(?:^|(?<=[\s(\[:,>]))\S")
"""Where a piece of code may begin inside prose: after a space, an opening bracket, a colon or a comma."""
_CODE_CHARS = re.compile(r"[=()\[\].*+/@-]|^\s*(return|raise|del|assert)\b")


def statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement in ``tree``, nested ones (loop, function and class bodies) included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            yield node


def normalised(node: ast.stmt) -> str | None:
    """The statement as ``ast.unparse`` writes it; None for docstrings (prose, not code) and ``pass`` (no content)."""
    if isinstance(node, ast.Pass):
        return None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return None
    return ast.unparse(node)


def source_statements(source: str) -> set[str]:
    """The normalised statements of a Python file."""
    return {text for node in statements(ast.parse(source)) if (text := normalised(node)) is not None}


def prose_of(source: str) -> list[str]:
    """The text of a Python file a reader sees besides its code: string constants and comments."""
    texts = [node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    texts += [token.string.lstrip("#") for token in tokens if token.type == tokenize.COMMENT]
    return texts


def _parsed(candidate: str) -> set[str]:
    try:
        tree = ast.parse(candidate)
    except (SyntaxError, ValueError):
        return set()
    return {text for node in statements(tree) if (text := normalised(node)) is not None}


def _words_end(piece: str) -> list[int]:
    ends = [m.start() for m in re.finditer(r"\s", piece)] + [len(piece)]
    return sorted({e for e in ends if e > 0}, reverse=True)


def prose_statements(texts: Iterable[str]) -> set[str]:
    """Every Python statement written inside ``texts``, normalised.

    Each line is cut at backticks, semicolons and sentence ends; inside each piece
    every span that starts and ends at a word boundary and parses as Python counts,
    so "then return grad_output * 2 * i for every i" yields ``return grad_output * 2 * i``
    (and "f(x) and compute" yields ``f(x)`` as well as the prose-swallowing ``f(x) and compute``).
    """
    found: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            for piece in _SPLIT.split(line):
                piece = piece.strip().rstrip(".,:")
                if not piece or not _CODE_CHARS.search(piece):
                    continue
                for start in _START.finditer(piece):
                    rest = piece[start.start() :]
                    for end in _words_end(rest):
                        found |= _parsed(rest[:end].rstrip(".,:"))
    return found


def computes_with(statement: str, name: str) -> bool:
    """Whether ``statement`` does arithmetic with ``name`` or calls its methods (``g * 2``, ``-g``, ``g.sum(0)``).

    A bare mention as an argument (``backward(ctx, grad_output)``) is a signature, and ``grad_output[0]``
    is how PyTorch's own errors name an upstream gradient: neither counts.
    """

    def is_name(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == name

    for node in ast.walk(ast.parse(statement)):
        if isinstance(node, ast.BinOp) and (is_name(node.left) or is_name(node.right)):
            return True
        if isinstance(node, ast.UnaryOp) and is_name(node.operand):
            return True
        if isinstance(node, ast.Attribute) and is_name(node.value):
            return True
    return False
