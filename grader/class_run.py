"""``grade run``: a class graded into its output folder, which this module alone writes.

The folder (``--out``) holds::

    submissions/<name>.json   one record per submission: its results, the fingerprint of what was graded,
                              the course that graded it, its earlier grades (history) and its late verdict
    pytest-report.txt         the judging report of this run's chunks (student text made printable)
    gradebook.csv             rebuilt from the records after every run
    index.html, feedback/     the dashboard and the feedback pages (:mod:`grader.report.html_reports`)
    similarity.*              the similarity report (:func:`grader.class_sources.similarity_report`)

A run, in order (:func:`run_class`): find the submissions; refuse two names that would share one
record file; clear the temporary files a killed run left; compare each stored fingerprint with the
submission's files and the course, so that only what changed is graded; refuse a course whose own
solution fails a check; grade, storing each record the moment it is graded (with its history);
apply the late policy to the records; rebuild the gradebook and the reports from the records.
Killing the grader at any moment loses nothing already stored, and the next run resumes.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.class_sources import similarity_report
from grader.course.load import LoadedCourse
from grader.engine import GradeOptions, GradeRun, Progress, course_submission, grade, grade_stream
from grader.errors import CourseError, UsageError
from grader.executors import weakest
from grader.fingerprint import course_fingerprint, submission_fingerprint
from grader.late_policy import apply_late_policy
from grader.regrade import RegradeSummary, summarise, with_history
from grader.report.gradebook_csv import write_gradebook
from grader.report.html_reports import ReportFiles, load_records, write_reports
from grader.report.records_json import RECORDS_DIR, read_submission_json, safe_file_stem, write_submission_json
from grader.results import SubmissionResult
from grader.sandbox.client import ForkServer
from grader.submissions import Submission, discover, load_submission
from grader.text_safety import printable_lines

PYTEST_REPORT = "pytest-report.txt"
GRADEBOOK = "gradebook.csv"


@dataclass(frozen=True)
class ClassRun:
    run: GradeRun
    """Every stored result of the class (read back from ``out/submissions/``), the isolation level, no pytest text."""
    gradebook: Path
    records: dict[str, Path]
    """Submission name -> its JSON record, for every submission of this run (graded now or before)."""
    graded: int = 0
    """Submissions graded by this run."""
    skipped: int = 0
    """Submissions whose stored record was still valid (same files, same course): not graded again."""
    reports: ReportFiles | None = None
    """The dashboard and feedback pages, written from the stored records once grading is done."""
    regrade: RegradeSummary | None = None
    """How the totals of submissions graded before (now graded again) moved; None when there were none."""


@dataclass(frozen=True)
class ClassPlan:
    """What ``grade run`` is about to do, told to the caller before the first submission is graded."""

    total: int
    to_grade: int
    skipped: int


@dataclass(frozen=True)
class RunFolder:
    """The output folder of ``grade run``: where each record, the judging report and the gradebook live."""

    out: Path

    @property
    def records_dir(self) -> Path:
        return self.out / RECORDS_DIR

    def record_of(self, submission: str) -> Path:
        """The record file of a submission (its name made safe: it cannot leave the folder or hide itself)."""
        return self.records_dir / f"{safe_file_stem(submission)}.json"

    def prepare(self) -> None:
        """Create the records folder and delete what a write interrupted by a kill left: a temporary file is never a record."""
        self.records_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.records_dir.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)

    def stored_fingerprint(self, submission: str) -> str | None:
        """The fingerprint in the submission's stored record, or None when there is no readable record."""
        try:
            record = json.loads(self.record_of(submission).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = record.get("fingerprint") if isinstance(record, dict) else None
        return value if isinstance(value, str) and value else None

    def previous_record(self, submission: str) -> SubmissionResult | None:
        """The stored record about to be replaced, or None (none yet, or unreadable: then it has no history to keep)."""
        path = self.record_of(submission)
        try:
            return read_submission_json(path) if path.is_file() else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, result: SubmissionResult) -> None:
        """Replace the submission's record atomically: readers see the old record or the new one, never half."""
        write_submission_json(self.records_dir, result)

    def start_report(self) -> None:
        (self.out / PYTEST_REPORT).write_text("", encoding="utf-8")

    def append_report(self, text: str) -> None:
        with (self.out / PYTEST_REPORT).open("a", encoding="utf-8") as handle:
            handle.write(printable_lines(text))  # names and messages are the students': no escape reaches a `cat`


@dataclass
class _Recorder:
    """Stores each result the moment it is graded, with what it was graded from and the grades it replaces."""

    folder: RunFolder
    course_key: str
    progress: Progress | None
    fingerprints: dict[str, str] = field(default_factory=dict)
    """Submission -> fingerprint of the files read for grading it, until its result is stored."""
    moved: list[tuple[float, float]] = field(default_factory=list)
    """(old total, new total) of each submission that had a record before this run graded it."""

    def fingerprint(self, submission: Submission) -> str:
        """What a stored record must carry to be kept: the submission's files and the course that grades them."""
        return submission_fingerprint(self.course_key, submission)

    def read(self, submission: Submission) -> Submission:
        """Note the fingerprint of exactly what is handed to grading (what is graded is what is fingerprinted)."""
        self.fingerprints[submission.name] = self.fingerprint(submission)
        return submission

    def store(self, result: SubmissionResult) -> None:
        previous = self.folder.previous_record(result.submission)
        graded = replace(result, fingerprint=self.fingerprints.pop(result.submission, ""), course_key=self.course_key)
        graded = with_history(graded, previous)
        if previous is not None:
            self.moved.append((previous.points, graded.points))
        self.folder.store(graded)
        if self.progress is not None:
            self.progress(result)


def refuse_name_clashes(submissions: list[Submission]) -> None:
    """Two submission names whose records would be one file: refuse, rather than let one overwrite the other."""
    stems = [safe_file_stem(s.name) for s in submissions]
    clashes = sorted({stem for stem in stems if stems.count(stem) > 1})
    if clashes:
        raise UsageError(f"two submission names map to the same result file {clashes[0]!r}.json; rename one of them")


def run_class(
    loaded: LoadedCourse,
    paths: list[Path],
    out: Path,
    options: GradeOptions,
    progress: Progress | None = None,
    force: bool = False,
    on_plan: Callable[[ClassPlan], None] | None = None,
    submissions: list[Submission] | None = None,
    similarity_report: bool = True,
) -> ClassRun:
    """``grade run``: every submission under ``paths``; per-submission JSON, then the gradebook, in ``out``.

    Resumable: each submission's record is written (atomically) as soon as it is
    graded, with the fingerprint of its files and of the course; a later run
    skips every submission whose stored fingerprint still matches, unless
    ``force``. Killing the grader at any point loses nothing already written.
    The gradebook and the HTML reports are then rebuilt from the stored records.
    ``submissions`` already read (e.g. from nbgrader's ``submitted/`` tree) replace discovering ``paths``.
    ``similarity_report=False`` (``--no-similarity``) leaves the similarity report as it was; the dashboard says when it is stale.
    """
    folder = RunFolder(out)
    given = {s.name: s for s in submissions or []}
    """Submissions read by the caller (notebooks): graded as given, since their folder alone does not name them."""
    found = submissions if submissions is not None else discover(paths, loaded.exercise_ids, _max_bytes(loaded))
    refuse_name_clashes(found)
    folder.prepare()
    recorder = _Recorder(folder, course_fingerprint(loaded, options), progress)
    records = {s.name: folder.record_of(s.name) for s in found}
    to_grade = [(s.name, s.path) for s in found if force or folder.stored_fingerprint(s.name) != recorder.fingerprint(s)]
    plan = ClassPlan(total=len(found), to_grade=len(to_grade), skipped=len(found) - len(to_grade))
    del found, submissions  # from here on one chunk of sources at a time
    sources = (recorder.read(given[name] if name in given else _reread(loaded, path)) for name, path in to_grade)
    isolation = _grade_class(loaded, options, plan, on_plan, folder, recorder, sources)
    apply_late_policy(loaded, list(records.values()))
    gradebook, results = rebuild_outputs(out, loaded, list(records.values()), _selected(loaded, options))
    if similarity_report:
        _similarity_of_run(loaded, out, results)
    isolation = isolation or weakest(e.isolation for r in results for e in r.exercises)
    return ClassRun(
        run=GradeRun(results=results, isolation=isolation, pytest_report=""),
        gradebook=gradebook,
        records=records,
        graded=plan.to_grade,
        skipped=plan.skipped,
        reports=write_reports(out, loaded),
        regrade=summarise(recorder.moved) if recorder.moved else None,
    )


def _max_bytes(loaded: LoadedCourse) -> int:
    return loaded.course.defaults.max_submission_kb * 1024


def _reread(loaded: LoadedCourse, folder: Path) -> Submission:
    """A submission's files read again, one chunk at a time, so a class of any size is never in memory at once."""
    return load_submission(folder, loaded.exercise_ids, _max_bytes(loaded))


def _grade_class(
    loaded: LoadedCourse,
    options: GradeOptions,
    plan: ClassPlan,
    on_plan: Callable[[ClassPlan], None] | None,
    folder: RunFolder,
    recorder: _Recorder,
    sources: Iterator[Submission],
) -> str:
    """Grade what changed, storing each record as it comes; returns the isolation level ("" when nothing was graded).

    The course's own solutions are graded first, through the fork server the class then uses (one warm-up).
    """
    with contextlib.ExitStack() as stack:
        server = None
        if plan.to_grade and not loaded.course.released:
            server = stack.enter_context(ForkServer(parallel=options.parallel, fallback=options.fallback_isolation))
            refuse_a_failing_solution(loaded, options, server)
        if on_plan is not None:
            on_plan(plan)
        folder.start_report()
        if not plan.to_grade:
            return ""
        return grade_stream(loaded, sources, options, recorder.store, folder.append_report, server)


def refuse_a_failing_solution(loaded: LoadedCourse, options: GradeOptions, server: ForkServer | None = None) -> None:
    """A check the course's own solution fails would take its points from every student: refuse to grade.

    The solutions are graded first, like one more submission (their baseline is the run's, usually cached).
    """
    solutions = course_submission("solutions", loaded.root, "solutions", loaded.exercise_ids)
    checked = grade(loaded, [solutions], GradeOptions(exercises=options.exercises, time_limit=options.time_limit), server=server)
    failing = [
        f"{e.exercise}/{c.name}: {c.message or c.status}" for r in checked.results for e in r.exercises for c in e.checks if not c.passed
    ]
    if failing:
        raise CourseError(
            [
                f"the course's own solution fails {len(failing)} check(s), which would take those points from every student; "
                "fix course.yaml or the solution first (`grade validate` lists them all)",
                *failing[:5],
            ]
        )


def rebuild_outputs(
    out: Path, loaded: LoadedCourse, records: list[Path] | None = None, exercises: list[str] | None = None
) -> tuple[Path, list[SubmissionResult]]:
    """Rebuild the gradebook from the stored per-submission records, so it always agrees with them.

    ``records``: the record files to include (default: every ``out/submissions/*.json``).
    A record that cannot be read is left out with a warning on stderr, never a crash.
    This is the hook for every report derived from stored results: add new ones here.
    Returns the gradebook's path and the results read, in submission order.
    """
    ids = exercises or loaded.exercise_ids
    paths = records if records is not None else sorted((out / RECORDS_DIR).glob("*.json"))
    results: list[SubmissionResult] = []
    for path in paths:
        try:
            results.append(read_submission_json(path))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"warning: {path} is not a readable result record ({error}); left out of the gradebook", file=sys.stderr)
    results.sort(key=lambda r: (r.submission.casefold(), r.submission))
    gradebook = out / GRADEBOOK
    write_gradebook(gradebook, results, ids)
    return gradebook, results


def rebuild_reports(loaded: LoadedCourse, out: Path) -> ReportFiles:
    """``grade report OUT``: the dashboard and feedback pages again, from ``OUT/submissions/*.json`` only (no regrading)."""
    records_dir = out / RECORDS_DIR
    if not out.is_dir():
        raise UsageError(f"{out}: does not exist (expected the --out folder of an earlier `grade run`)")
    if not records_dir.is_dir() or not any(records_dir.glob("*.json")):
        raise UsageError(f"{out} holds no graded records (expected {records_dir}/*.json, written by `grade run --out {out}`)")
    return write_reports(out, loaded)


def stored_results(out: Path, require_readable: bool = True) -> list[SubmissionResult]:
    """The records of a run folder, each unreadable one a warning on stderr.

    A UsageError when there is no record, or (``require_readable``) when none can be read.
    """
    results, problems = load_records(out / RECORDS_DIR)
    if not results and (require_readable or not problems):
        raise UsageError(f"{out} holds no graded records (expected {out / RECORDS_DIR}/*.json, written by `grade run --out {out}`)")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return results


def _selected(loaded: LoadedCourse, options: GradeOptions) -> list[str]:
    return list(options.exercises) if options.exercises else loaded.exercise_ids


def _similarity_of_run(loaded: LoadedCourse, out: Path, results: list[SubmissionResult]) -> None:
    """The similarity report for the dashboard, unless the records are the ones it was last computed from.

    A failure here costs the report, never the grades: it is a warning on stderr.
    """
    from grader.report.similarity_page import read_summary, records_key

    key = records_key(results)
    stored = read_summary(out)
    if stored is not None and stored.get("records") == key:
        return
    try:
        similarity_report(loaded, out, out, records=key)
    except (OSError, ValueError, ImportError, UsageError) as error:
        print(f"warning: the similarity report could not be written ({error})", file=sys.stderr)


__all__ = [
    "GRADEBOOK",
    "PYTEST_REPORT",
    "RECORDS_DIR",
    "ClassPlan",
    "ClassRun",
    "RunFolder",
    "rebuild_outputs",
    "rebuild_reports",
    "refuse_a_failing_solution",
    "refuse_name_clashes",
    "run_class",
    "stored_results",
]
