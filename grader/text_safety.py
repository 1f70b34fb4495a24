"""Student-controlled text made harmless for the channels it reaches: terminals, text files, spreadsheets.

A submission's name is a folder name and a student's messages are whatever their code raised or
printed; both may hold escape sequences (ESC, CSI, OSC: recolour or clear the instructor's
terminal, set its title, write its clipboard), carriage returns and newlines (overwrite or forge
a line of a log) or a leading ``=`` (a formula when the gradebook is opened in a spreadsheet).
Control characters are not removed but *shown*: ``\\x1b`` becomes the four characters ``\\x1b``,
so nothing is hidden from the instructor and nothing reaches the terminal as a control. HTML
pages escape on their own (Jinja's autoescape); JSON records keep the real text.
"""

from __future__ import annotations

import unicodedata

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional controls (category Cf): they reorder what a terminal shows ("Trojan source")."""

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""Everything :meth:`str.splitlines` splits on: a one-line field must hold none of them."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""Cell starts a spreadsheet may read as a formula: OWASP's list (``= + - @``, tab, CR), LF and the full-width forms."""


def _is_control(char: str) -> bool:
    """A C0/C1 control, a line break, a bidi control, or a lone surrogate (a byte of a name that is not UTF-8)."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI or char in _LINE_BREAKS


def _shown(char: str) -> str:
    """A control character as the escape a person can read (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return char.encode("unicode_escape").decode("ascii")


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` for a field that must stay one line (a name in a log line): every control character shown as its escape.

    ``limit`` caps the result (in characters), marking a cut with ``...``.
    """
    shown = "".join(_shown(char) if _is_control(char) else char for char in text)
    if limit is not None and len(shown) > limit:
        return shown[: max(limit - 3, 0)] + "..."
    return shown


def printable_lines(text: str) -> str:
    """``text`` for a text file or terminal that keeps its lines: newlines and tabs stay, every other control is shown.

    A carriage return, an ESC or a line separator that :meth:`str.splitlines` honours
    would let one line overwrite or forge another, so those are shown as escapes too.
    """
    return "".join(_shown(char) if _is_control(char) and char not in "\n\t" else char for char in text)


def csv_cell(text: str) -> str:
    """A spreadsheet cell that is never a formula: a leading ``'`` when the text starts like one (OWASP's advice).

    Only for cells holding student-controlled text; the JSON record keeps the real text.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


__all__ = ["FORMULA_STARTS", "csv_cell", "one_line", "printable_lines"]
