"""CSV cells that a spreadsheet will not run: student-chosen text is data, never a formula.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (OWASP "CSV injection"); a leading ``'``
makes it text. Numbers we write ourselves never pass through here.
"""

from __future__ import annotations

from grader.text_safety import csv_cell


def neutralised(cell: str) -> str:
    """``cell`` with a leading quote when a spreadsheet would otherwise evaluate it (one rule for every CSV:
    :func:`grader.text_safety.csv_cell`, which also covers a leading newline and the full-width forms)."""
    return csv_cell(cell)


__all__ = ["neutralised"]
