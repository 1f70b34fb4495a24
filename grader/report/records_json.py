"""One JSON file per submission, so any report can be rebuilt later without grading again.

Files are written atomically (a temporary file in the same folder, then :func:`os.replace`)
so an interrupted run never leaves a half-written record that a later report would misread.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from grader.atomic_files import write_text_atomic
from grader.results import SubmissionResult, submission_from_json

RECORDS_DIR = "submissions"
"""The folder of a ``grade run`` output that holds one record per submission (``OUT/submissions/<name>.json``)."""

_KEPT_PUNCTUATION = frozenset("-_. ")
_FALLBACK_STEM = "submission"
_MAX_STEM_BYTES = 200
"""Most file systems cap a name at 255 bytes; leave room for ``.json`` and the temporary-file affixes."""


def safe_file_stem(name: str) -> str:
    """A file name stem for a submission name that cannot escape the folder or hide itself.

    Letters (including non-ASCII), digits and ``-_. `` are kept so an instructor still
    recognises the file; anything else (slashes, colons, control characters) becomes ``_``.
    The name is NFC-normalised first so that ``Zoë`` typed composed or decomposed gives
    the same file. Leading dots are replaced (no hidden files, no ``..``), trailing dots and
    spaces are dropped (Windows refuses them), and the result is never empty.
    Two different names may map to the same stem; detecting that is the caller's job.
    """
    normalised = unicodedata.normalize("NFC", name)
    stem = "".join(ch if _is_kept(ch) else "_" for ch in normalised)
    stem = _replace_leading_dots(stem).rstrip(". ")
    stem = _truncate_utf8(stem, _MAX_STEM_BYTES).rstrip(". ")
    return stem or _FALLBACK_STEM


def _is_kept(ch: str) -> bool:
    return ch.isalnum() or ch in _KEPT_PUNCTUATION


def _replace_leading_dots(stem: str) -> str:
    stripped = stem.lstrip(".")
    return "_" * (len(stem) - len(stripped)) + stripped


def _truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut ``text`` to at most ``max_bytes`` of UTF-8 without splitting a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def write_submission_json(folder: Path, result: SubmissionResult) -> Path:
    """Store ``result`` as ``<folder>/<safe_file_stem(name)>.json`` and return that path."""
    path = folder / f"{safe_file_stem(result.submission)}.json"
    write_text_atomic(path, result.dumps() + "\n")
    return path


def read_submission_json(path: Path) -> SubmissionResult:
    """Read back a file written by :func:`write_submission_json`.

    Raises ``ValueError`` naming the file when it does not hold a JSON object, so a stray
    file in the results folder is reported instead of crashing deep inside a reporter.
    """
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object with a submission result, found {type(record).__name__}")
    return submission_from_json(record)


__all__ = ["RECORDS_DIR", "read_submission_json", "safe_file_stem", "write_submission_json", "write_text_atomic"]
