"""Judging: pytest runs one item per check on stored observations; the judges, hints and envelope live here."""

__all__: list[str] = []
