"""Reporters: turn result records into what people read (terminal, gradebook CSV, JSON files).

Every reporter only reads :mod:`grader.results` records; none of them recomputes a grade,
so the numbers a student sees, the gradebook and the stored JSON can never disagree.
"""

__all__: list[str] = []
