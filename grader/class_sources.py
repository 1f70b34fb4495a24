"""The source files of a graded class, read again from where ``grade run`` found them.

Instructor tools that look at code rather than grades (the similarity report) start from a
``grade run`` output folder: each stored record names its submission and the folder it was
read from (``path``). Sources are read the same way grading read them (plain folders through
:func:`grader.submissions.load_submission`, nbgrader assignment folders through their solution
cells), one submission at a time, so a class of any size is never in memory at once.
A class folder (what ``grade run`` was given) works too. :func:`similarity_report` (``grade similarity``,
and :mod:`grader.class_run` after grading) compares them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course.load import LoadedCourse
from grader.errors import UsageError
from grader.report.records_json import RECORDS_DIR
from grader.submissions import Submission, discover, load_submission, read_source

if TYPE_CHECKING:
    from grader.report.similarity_page import SimilarityFiles
    from grader.similarity import SimilarityReport


@dataclass(frozen=True)
class Located:
    """Where one submission's files are, and how to read them."""

    name: str
    folder: Path
    notebooks: bool


def is_run_folder(path: Path) -> bool:
    """True for the ``--out`` folder of a ``grade run`` (it holds ``submissions/*.json``)."""
    return (path / RECORDS_DIR).is_dir() and any((path / RECORDS_DIR).glob("*.json"))


def locate(path: Path, exercise_ids: list[str]) -> tuple[list[Located], list[str]]:
    """Every submission of a run folder or a class folder, and a sentence per record that names no readable folder."""
    if not path.is_dir():
        raise UsageError(f"{path}: not a folder (expected a `grade run` output folder or a folder of submissions)")
    if not is_run_folder(path):
        found = discover([path], exercise_ids)
        return [Located(s.name, s.path, False) for s in found], []
    located, problems = [], []
    for record_path in sorted((path / RECORDS_DIR).glob("*.json")):
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            name, folder = str(record["submission"]), Path(str(record["path"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{record_path.name}: not a readable result record ({type(error).__name__}); left out")
            continue
        if not folder.is_dir():
            problems.append(f"{name}: its files were read from {folder}, which is no longer a folder; left out")
            continue
        located.append(Located(name, folder, _is_notebook_folder(folder, exercise_ids)))
    return sorted(located, key=lambda s: (s.name.casefold(), s.name)), problems


def _is_notebook_folder(folder: Path, exercise_ids: list[str]) -> bool:
    """An nbgrader assignment folder: notebooks and no exercise modules (a stray notebook beside the modules is not graded)."""
    modules = any((folder / f"{e}.py").is_file() or (folder / "exercises" / f"{e}.py").is_file() for e in exercise_ids)
    return not modules and any(folder.glob("*.ipynb"))


def read(located: Located, exercise_ids: list[str]) -> Submission:
    """The submission's sources, read as grading read them."""
    if located.notebooks:
        from grader.platforms.nbgrader_read import read_submission

        return read_submission(located.folder, exercise_ids, name=located.name)
    submission = load_submission(located.folder, exercise_ids)
    return Submission(name=located.name, path=submission.path, sources=submission.sources)


def texts(located: list[Located], exercise_ids: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """(name, exercise id -> text) for each submission, one at a time; unreadable and missing files are left out."""
    for item in located:
        submission = read(item, exercise_ids)
        yield item.name, {e: s.text for e, s in submission.sources.items() if s is not None and s.text is not None}


def similarity_report(
    loaded: LoadedCourse, folder: Path, out: Path | None = None, records: str = "", jobs: int = 0
) -> tuple[SimilarityReport, SimilarityFiles]:
    """``grade similarity DIR``: suspiciously alike code per exercise (:mod:`grader.similarity`).

    ``DIR`` is a ``grade run`` output folder (the files are read again from where each record says they
    were found; the report is written beside the dashboard) or a class folder (then ``out`` is required).
    """
    from grader.report.similarity_page import write_similarity
    from grader.similarity import compare_class, pooled

    ids = [exercise.id for exercise in loaded.course.exercises]
    if out is None:
        if not is_run_folder(folder):
            raise UsageError(f"{folder} is not a `grade run` output folder (no submissions/*.json): pass --out for the report")
        out = folder
    located, problems = locate(folder, ids)
    stubs = {e: read_source(loaded.root / "exercises" / f"{e}.py").text or "" for e in ids}
    jobs = jobs or os.cpu_count() or 1
    mapper = pooled(jobs) if jobs > 1 and len(located) > 64 else map  # a pool costs more than it saves on a small class
    found = compare_class(texts(located, ids), stubs, mapper=mapper)
    found = replace(found, unreadable=tuple(problems))
    by_name = {item.name: item for item in located}

    def source_of(name: str, exercise: str) -> str | None:
        file = read(by_name[name], ids).sources.get(exercise)
        return file.text if file is not None else None

    return found, write_similarity(out, found, source_of, stubs, loaded.course.title, records)


__all__ = ["Located", "is_run_folder", "locate", "read", "similarity_report", "texts"]
