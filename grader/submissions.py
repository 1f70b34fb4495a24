"""Finding submissions on disk and snapshotting their sources.

A submission is a folder holding the student's ``<exercise id>.py`` files,
directly or under ``exercises/``. A path given to ``grade run`` is either
such a folder or a folder of them. Sources are read once, here, in the
trusted process; the sandbox receives these snapshots, never the folder.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

MAX_SOURCE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One student file: its text, or why it could not be read."""

    path: Path
    text: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Submission:
    name: str
    """The folder's name (spaces and non-ASCII letters kept, NFC-normalised)."""
    path: Path
    sources: dict[str, SourceFile | None]
    """Exercise id -> its file, ``None`` when the student did not hand it in."""


def _module_folder(folder: Path, exercise_ids: list[str]) -> Path | None:
    for candidate in (folder, folder / "exercises"):
        if candidate.is_dir() and any((candidate / f"{eid}.py").is_file() for eid in exercise_ids):
            return candidate
    return None


def read_source(path: Path) -> SourceFile:
    """One file's text, or why it cannot be graded (a link, too large, not UTF-8)."""
    if path.is_symlink():
        return SourceFile(path, None, f"{path.name} is a symbolic link; hand in the file itself")
    try:
        data = path.read_bytes()
    except OSError as error:
        return SourceFile(path, None, f"{path.name} could not be read: {error.strerror}")
    if len(data) > MAX_SOURCE_BYTES:
        return SourceFile(path, None, f"{path.name} is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}")
    try:
        return SourceFile(path, data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return SourceFile(path, None, f"{path.name} is not UTF-8 text (byte {error.start})")


def load_submission(folder: Path, exercise_ids: list[str]) -> Submission:
    modules = _module_folder(folder, exercise_ids) or folder
    sources: dict[str, SourceFile | None] = {}
    for exercise_id in exercise_ids:
        path = modules / f"{exercise_id}.py"
        sources[exercise_id] = read_source(path) if path.exists() or path.is_symlink() else None
    name = unicodedata.normalize("NFC", folder.resolve().name)
    return Submission(name=name, path=folder.resolve(), sources=sources)


def discover(paths: list[Path], exercise_ids: list[str]) -> list[Submission]:
    """Every submission under ``paths``, in a stable order (by name)."""
    found: list[Submission] = []
    for path in paths:
        if not path.is_dir():
            raise UsageError(f"{path}: not a folder (expected a submission folder or a folder of submissions)")
        if _module_folder(path, exercise_ids) is not None:
            found.append(load_submission(path, exercise_ids))
            continue
        children = sorted(child for child in path.iterdir() if child.is_dir() and not child.name.startswith("."))
        if not children:
            raise UsageError(
                f"{path}: holds no exercise files ({', '.join(e + '.py' for e in exercise_ids[:3])}, ...) and no submission folders"
            )
        found.extend(load_submission(child, exercise_ids) for child in children)
    names = [s.name for s in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two submissions share the name {duplicates[0]!r}; names must be unique within one run")
    return sorted(found, key=lambda s: (s.name.casefold(), s.name))
