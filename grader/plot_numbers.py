"""How a plot's numbers are stored in a result record: one comma-separated string per line.

A record holds a plot's grid and lines (a backward plot: 201 points for each of
up to four upstream gradients, the student's and the reference's), about ten
thousand numbers for a full course. As JSON lists they made parsing a record
the dearest part of a class's reports (8.3 ms for a 400 kB record, against
1.2 ms with the same numbers as strings; reports read every record), and a
report only needs most of them as the key of a picture it already drew. So
:mod:`grader.feedback_data` writes each line with :func:`pack_numbers` and the
report reads it with :func:`unpack_numbers`, which also accepts the JSON lists of
records written before.

A number is written as Python's shortest round-trip ``repr``; a point without a
value (an exception there, NaN, an infinity) is an empty field.
"""

from __future__ import annotations

from collections.abc import Sequence


def pack_numbers(values: Sequence[float | None]) -> str:
    """``[1.5, None, -2.0]`` -> ``"1.5,,-2.0"``."""
    return ",".join("" if value is None else repr(float(value)) for value in values)


def unpack_numbers(stored: object) -> list[float | None]:
    """The numbers of a stored line: a packed string, or a list from an older record.

    Raises ``ValueError`` or ``TypeError`` for anything else (a record is a file anyone may edit).
    """
    if isinstance(stored, str):
        if not stored:
            return []
        fields = stored.split(",")
        if "" not in fields:  # no missing point: the common case, parsed at C speed
            return list(map(float, fields))
        return [float(field) if field else None for field in fields]
    if isinstance(stored, list):
        return [None if value is None else float(value) for value in stored]
    raise TypeError(f"a plot's numbers are a string or a list, not {type(stored).__name__}")


__all__ = ["pack_numbers", "unpack_numbers"]
