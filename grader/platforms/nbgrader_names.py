"""The names that tie a course to nbgrader: notebook files and cell ``grade_id``s.

The build writes them, the reader finds solution cells by them and the gradebook writer finds
grade cells by them, so they live in one place. Exercise ids and check names are identifiers
(``[a-z][a-z0-9_]*``), which nbgrader's ``grade_id`` pattern (``[a-zA-Z0-9_-]``) accepts; the
``-check-`` and ``-solution`` parts cannot collide because check names hold no ``-``.
"""

from __future__ import annotations


def solution_id(exercise_id: str) -> str:
    return f"{exercise_id}-solution"


def check_id(exercise_id: str, check_name: str) -> str:
    return f"{exercise_id}-check-{check_name}"


def description_id(exercise_id: str) -> str:
    return f"{exercise_id}-description"


def parse_check_id(grade_id: str) -> tuple[str, str] | None:
    """``(exercise, check)`` for a test cell's ``grade_id``, ``None`` for any other cell."""
    exercise, sep, check = grade_id.partition("-check-")
    return (exercise, check) if sep and exercise and check else None


__all__ = ["check_id", "description_id", "parse_check_id", "solution_id"]
