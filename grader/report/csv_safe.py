"""CSV cells that a spreadsheet will not run: student-chosen text is data, never a formula.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (OWASP "CSV injection"); a leading ``'``
makes it text. Numbers we write ourselves never pass through here.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` with a leading quote when a spreadsheet would otherwise evaluate it."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


__all__ = ["neutralised"]
