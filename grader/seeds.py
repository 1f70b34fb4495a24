"""Per-student hidden-input seeds, and which seed a student's page may name.

Kept apart from :mod:`grader.plan` (which imports torch) so the report pages can check a seed cheaply.
The course seed is never released; a per-student seed is a keyed one-way hash of the submission
name, so showing one to its student reveals neither the course seed nor a classmate's seed.
"""

from __future__ import annotations

import hashlib
import hmac


def student_seed(course_seed: int, submission_name: str) -> int:
    """A per-student seed: hidden inputs differ between students yet are reproducible.

    HMAC-SHA256 with the course seed as the key: from a seed and a name nothing runs back to the key.
    """
    digest = hmac.new(str(course_seed).encode("ascii"), submission_name.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # 63 bits: a valid seed for numpy and torch alike


def shareable_seed(seed: int | None, course_seed: int | None, submission_name: str) -> int | None:
    """``seed`` when it is this submission's per-student seed, else None (the course seed is never shown).

    Fails closed: a record graded with the course seed (or an old course seed, or a hand-edited
    seed) names no seed, because only a value that is provably derived for this name is shown.
    """
    if seed is None or course_seed is None or seed != student_seed(course_seed, submission_name):
        return None
    return seed


__all__ = ["shareable_seed", "student_seed"]
