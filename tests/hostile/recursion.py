"""Hostile: unbounded recursion with the recursion limit lifted.

First a pure Python recursion (3.11 keeps Python-to-Python calls off the C
stack, so this ends in RecursionError or MemoryError), then a recursion
through a C function (map), which overflows the C stack.
"""

import sys

sys.setrecursionlimit(200_000)


def _deep(n):
    return _deep(n + 1) + 1


def _deep_c(n):
    return sum(map(_deep_c, [n + 1])) + 1


def derivative_square(x0):
    try:
        _deep(0)
    except (RecursionError, MemoryError) as error:
        print("pure python recursion ended with", type(error).__name__)
    return _deep_c(0)
