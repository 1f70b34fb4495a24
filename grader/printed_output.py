"""What a student's code printed, bounded the same way for the stored record, the terminal and the feedback page.

The first and the last lines are what a student recognises (the first print of a debugging
session, the last before a crash), so both are kept, with one marker line between them that
says how many lines were left out. Whole lines only: a cut never shows a fragment that starts
mid-line. Every line is capped too, so one enormous line cannot flood a record or a screen.
"""

from __future__ import annotations

LINES_AT_EACH_END = 10
"""Lines kept from the start and from the end of the output."""
LINE_CHARS = 200
"""Characters kept of one line."""
UNCOUNTED_BYTES = 256
"""Printed bytes that may be missing from the kept text without anything lost: the separators the worker
writes between modules are counted as printed but cut out of each module's output."""


def omitted_marker(count: int) -> str:
    return f"… {count} line{'' if count == 1 else 's'} omitted …"


def clip_output(text: str, printed_bytes: int = 0) -> str:
    """``text`` with at most :data:`LINES_AT_EACH_END` lines from each end and a marker between them.

    ``printed_bytes``: how much the code printed in all, when more than ``text`` was kept
    (the sandbox keeps only the start of a flood); then a last line says so.
    Clipping a clipped text changes nothing, so a renderer may clip a stored record again.
    """
    lines = [_short(line) for line in text.splitlines()]
    if len(lines) > 2 * LINES_AT_EACH_END + 2:
        left_out = len(lines) - 2 * LINES_AT_EACH_END
        lines = [*lines[:LINES_AT_EACH_END], omitted_marker(left_out), *lines[-LINES_AT_EACH_END:]]
    kept_bytes = len(text.encode("utf-8", errors="replace"))
    if printed_bytes > kept_bytes + UNCOUNTED_BYTES:
        lines.append(f"… more output not kept ({printed_bytes // 1024} KiB printed in all) …")
    return "\n".join(lines) + ("\n" if lines else "")


def _short(line: str) -> str:
    return line if len(line) <= LINE_CHARS else f"{line[:LINE_CHARS]}… ({len(line) - LINE_CHARS} more characters)"


__all__ = ["LINES_AT_EACH_END", "LINE_CHARS", "clip_output", "omitted_marker"]
