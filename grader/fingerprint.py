"""Content hashes that decide whether a stored result still holds.

A re-run of ``grade run`` skips a submission whose stored record carries the
same fingerprint: the hash of everything a grade depends on. That is the
course (``course.yaml``, solutions, mutants, instructor checks, the grader's
version), the options that change grades (seed mode, time limit, the exercises
selected), the submission's name (it seeds per-student inputs) and the bytes
of every file it handed in. Anything else changing (a file's date, a folder
moved) does not cost a regrade; any of these changing does.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from grader.course.load import LoadedCourse
from grader.engine import GradeOptions
from grader.evaluate import mutant_path
from grader.submissions import Submission

_EMPTY = "-"


def _grader_version() -> str:
    try:
        return metadata.version("autograd-grader")
    except metadata.PackageNotFoundError:
        return "unknown"


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return _EMPTY


def course_fingerprint(loaded: LoadedCourse, options: GradeOptions) -> str:
    """One hash of the course files and of the options that change a grade (not ``parallel``: it never does)."""
    root = loaded.root
    course = loaded.course
    files = []  # course.yaml is hashed as its validated model below, without the deadline (it changes no grade)
    for exercise in course.exercises:
        files.append(root / "solutions" / f"{exercise.id}.py")
        files.extend(root / mutant_path(exercise.id, m.name, m.file) for m in exercise.mutants)
    if course.checks_dir:
        files.extend(sorted(p for p in (root / course.checks_dir).rglob("*") if p.is_file() and "__pycache__" not in p.parts))
    if course.released:
        files.append(root / ".grader" / "expected.json")
    described = {
        "grader": _grader_version(),
        "course": course.model_dump(mode="json", exclude={"deadline"}),
        "files": [[str(p.relative_to(root)) if p.is_relative_to(root) else str(p), _file_digest(p)] for p in files],
        "visible_only": options.visible_only,
        "per_student_seed": "hmac-sha256" if options.per_student_seed else False,  # the derivation: a new one regrades
        "time_limit": options.time_limit,
        "exercises": sorted(options.exercises),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def submission_fingerprint(course: str, submission: Submission) -> str:
    """The course fingerprint, the submission's name and every handed-in file's text (or why it could not be read)."""
    digest = hashlib.sha256()
    digest.update(course.encode())
    digest.update(b"\0" + submission.name.encode())
    for exercise_id in sorted(submission.sources):
        source = submission.sources[exercise_id]
        if source is None:
            content = _EMPTY
        elif source.text is None:
            content = "unreadable:" + (source.problem or "")
        else:
            content = "text:" + source.text
        digest.update(b"\0" + exercise_id.encode() + b"\0" + content.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


__all__ = ["course_fingerprint", "submission_fingerprint"]
