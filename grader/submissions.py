"""Finding submissions on disk and snapshotting their sources, without trusting what is on disk.

A submission is a folder holding the student's ``<exercise id>.py`` files,
directly or under ``exercises/``. A path given to ``grade run`` is either
such a folder or a folder of them. Sources are read once, here, in the
trusted process; the sandbox receives these snapshots, never the folder.

Everything inside a submission is the student's, so it is read the way a
hostile tree must be (see the threat model, 1c): every folder and file is
opened relative to its parent with ``O_NOFOLLOW`` (a link to the solutions,
to a root-only file or to another student's folder is refused, never
followed), only regular files are read (a FIFO would block the run, a device
could be anything), sizes are checked with ``fstat`` before a byte is read,
and the whole submission's code is capped so one student cannot fill the
worker's root. A refusal is a bounded message naming the file and what was
expected; it never quotes the file's content, and it costs that submission only.
"""

from __future__ import annotations

import contextlib
import os
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.text_safety import one_line

MAX_SOURCE_BYTES = 1024 * 1024
"""One exercise's code (a file, or a notebook's answer cell)."""
DEFAULT_MAX_SUBMISSION_BYTES = 4 * 1024 * 1024
"""All of a submission's exercise code together (course.yaml: ``defaults.max_submission_kb``); the worker's root holds it."""

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
"""``O_NONBLOCK``: should a FIFO appear between the check and the open, opening it still returns at once."""
_SHOWN_NAME = 120
"""A student's file name in a message is cut here (names are up to 255 bytes, messages stay short)."""


class Refused(Exception):
    """Submission content the trusted side will not read: the message names the file and what was expected."""


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

    @property
    def total_bytes(self) -> int:
        """UTF-8 bytes of every readable source: what the worker's root must hold (at most the course's cap)."""
        return sum(len(source.text.encode("utf-8")) for source in self.sources.values() if source is not None and source.text is not None)


def display_name(raw: str) -> str:
    """A folder name as text every output can hold: bytes that are not UTF-8 become ``\\xff`` escapes, then NFC.

    Linux allows any bytes in a name; Python keeps the invalid ones as lone surrogates, which no
    UTF-8 file (record, gradebook, page) can store, so one such folder would stop the class.
    """
    return unicodedata.normalize("NFC", os.fsencode(raw).decode("utf-8", "backslashreplace"))


def shown(name: str) -> str:
    """A student's file name as a message shows it: one line, bounded."""
    return one_line(name, _SHOWN_NAME)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def entry_exists(name: str, folder: int) -> bool:
    """True when ``name`` is in the open ``folder``, whatever it is (a link is not followed)."""
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def open_folder(name: str | Path, label: str, parent: int | None = None) -> Iterator[int]:
    """A folder's descriptor, opened without following a link in its last component; ``label`` names it in a refusal."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError as error:
        raise Refused(f"{label} could not be opened ({error.strerror})") from None
    if not stat.S_ISDIR(mode):
        raise Refused(f"{label} is {_kind(mode)}, not a folder: hand in the folder itself")
    try:
        fd = os.open(name, _FOLDER_FLAGS, dir_fd=parent)
    except OSError as error:  # replaced by a link since the check: refused all the same
        raise Refused(f"{label} could not be opened as a folder ({error.strerror})") from None
    try:
        yield fd
    finally:
        os.close(fd)


def read_regular(name: str, folder: int, label: str, limit: int) -> bytes:
    """The bytes of the regular file ``name`` in the open ``folder``, at most ``limit`` of them, or :class:`Refused`.

    Checked before the open (a FIFO or device is never opened) and again on the descriptor
    (the entry may have changed between the two); the size comes from ``fstat``, so a huge or
    sparse file is refused without being read, and the read itself stops after ``limit`` bytes.
    """
    try:
        mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
    except OSError as error:
        raise Refused(f"{label} could not be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise Refused(f"{label} is {_kind(mode)}: hand in the file itself")
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    except OSError as error:
        raise Refused(f"{label} could not be read ({error.strerror})") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise Refused(f"{label} is {_kind(status.st_mode)}: hand in the file itself")
        if status.st_size > limit:
            raise Refused(f"{label} is {status.st_size} bytes; the limit is {limit}")
        chunks = []
        left = limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise Refused(f"{label} could not be read ({error.strerror})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Refused(f"{label} grew past the limit of {limit} bytes while it was read")
    return data


def _decoded(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(f"{label} is not UTF-8 text (byte {error.start})") from None


def _source(name: str, folder: int, path: Path, label: str) -> SourceFile:
    try:
        return SourceFile(path, _decoded(read_regular(name, folder, label, MAX_SOURCE_BYTES), label))
    except Refused as refusal:
        return SourceFile(path, None, str(refusal))


def read_source(path: Path) -> SourceFile:
    """One file's text, or why it cannot be graded (a link, not a regular file, too large, not UTF-8)."""
    try:
        with open_folder(path.parent.resolve(), f"{shown(path.parent.name)}/") as folder:
            return _source(path.name, folder, path, shown(path.name))
    except Refused as refusal:
        return SourceFile(path, None, str(refusal))


def within_total(sources: dict[str, SourceFile | None], max_total_bytes: int) -> dict[str, SourceFile | None]:
    """``sources``, or every one of them refused when together they exceed ``max_total_bytes``."""
    total = sum(len(s.text.encode("utf-8")) for s in sources.values() if s is not None and s.text is not None)
    if total <= max_total_bytes:
        return sources
    problem = (
        f"the submission's code totals {total} bytes, more than the course's limit of {max_total_bytes} bytes for "
        "all exercises together: hand in only your code"
    )
    return {eid: None if s is None else SourceFile(s.path, None, problem) for eid, s in sources.items()}


def refused_submission(name: str, path: Path, exercise_ids: list[str], problem: str) -> Submission:
    """A submission nothing of which is read: every exercise carries ``problem`` (recorded, the class goes on)."""
    return Submission(name=name, path=path, sources={eid: SourceFile(path, None, problem) for eid in exercise_ids})


def unfollowed(path: Path) -> Path:
    """``path`` made absolute with its parents resolved but not its last component, which may be a student's link."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name if absolute.name else absolute


def _read_sources(top: int, root: Path, exercise_ids: list[str]) -> dict[str, SourceFile | None]:
    files = [f"{eid}.py" for eid in exercise_ids]
    if any(entry_exists(f, top) for f in files) or not entry_exists("exercises", top):
        return {eid: _source(f, top, root / f, f) if entry_exists(f, top) else None for eid, f in zip(exercise_ids, files, strict=True)}
    with open_folder("exercises", "exercises/", top) as modules:
        return {
            eid: _source(f, modules, root / "exercises" / f, f"exercises/{f}") if entry_exists(f, modules) else None
            for eid, f in zip(exercise_ids, files, strict=True)
        }


def load_submission(folder: Path, exercise_ids: list[str], max_total_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES) -> Submission:
    """One submission folder's sources; a folder that is a link, or a link inside it, is refused, never followed."""
    path = unfollowed(folder)
    name = display_name(path.name)
    try:
        with open_folder(path, f"{shown(path.name)}/") as top:
            sources = _read_sources(top, path, exercise_ids)
    except Refused as refusal:
        return refused_submission(name, path, exercise_ids, str(refusal))
    return Submission(name=name, path=path, sources=within_total(sources, max_total_bytes))


def _is_submission_folder(folder: Path, exercise_ids: list[str]) -> bool:
    """Holds an exercise file, directly or under ``exercises/`` (entries are looked at, never followed)."""
    return any(os.path.lexists(candidate / f"{eid}.py") for candidate in (folder, folder / "exercises") for eid in exercise_ids)


def discover(paths: list[Path], exercise_ids: list[str], max_total_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES) -> list[Submission]:
    """Every submission under ``paths``, in a stable order (by name).

    A path named on the command line may be a link to a folder of submissions (the
    instructor's own); a submission folder that is a link is refused, wherever it is.
    """
    found: list[Submission] = []
    for path in paths:
        if not path.is_dir():
            raise UsageError(f"{path}: not a folder (expected a submission folder or a folder of submissions)")
        if _is_submission_folder(path, exercise_ids):
            found.append(load_submission(path, exercise_ids, max_total_bytes))
            continue
        children = sorted(child for child in path.resolve().iterdir() if child.is_dir() and not child.name.startswith("."))
        if not children:
            raise UsageError(
                f"{path}: holds no exercise files ({', '.join(e + '.py' for e in exercise_ids[:3])}, ...) and no submission folders"
            )
        found.extend(load_submission(child, exercise_ids, max_total_bytes) for child in children)
    names = [s.name for s in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two submissions share the name '{one_line(duplicates[0])}'; names must be unique within one run")
    return sorted(found, key=lambda s: (s.name.casefold(), s.name))


__all__ = [
    "DEFAULT_MAX_SUBMISSION_BYTES",
    "MAX_SOURCE_BYTES",
    "Refused",
    "SourceFile",
    "Submission",
    "discover",
    "display_name",
    "entry_exists",
    "load_submission",
    "open_folder",
    "read_regular",
    "read_source",
    "refused_submission",
    "shown",
    "unfollowed",
    "within_total",
]
