"""Classroom platforms: nbgrader course directories and gradebooks, Gradescope bundles and results.

Each module owns one job; none of them judges anything itself: scores always come from the
engine's result records (or, inside an nbgrader kernel, from the same probes and judges).
"""

__all__: list[str] = []
