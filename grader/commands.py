"""One library function per ``grade`` verb, each returning records a test can inspect.

The CLI (:mod:`grader.cli`) only parses arguments, calls these, renders and exits.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from grader.checks.judge import Observations
from grader.cli_args import check_exercise_ids
from grader.course.cost import budget_verdicts, reference_cpu_ms
from grader.course.load import LoadedCourse
from grader.engine import EXPECTED_FILE, GradeOptions, GradeRun, Progress, course_submission, grade, grade_stream
from grader.errors import CourseError, UsageError
from grader.evaluate import evaluate_baseline, mutant_path
from grader.executors import weakest
from grader.export_lms import Columns, Format
from grader.fingerprint import course_fingerprint, submission_fingerprint
from grader.late_policy import apply_late_policy
from grader.plan import build_plan
from grader.regrade import RegradeSummary, StudentChange, changes, summarise, with_history
from grader.release_wheel import ReleaseWheel, build_release_wheel, install_command
from grader.report.gradebook_csv import write_gradebook
from grader.report.html_reports import ReportFiles, write_reports
from grader.report.records_json import read_submission_json, safe_file_stem, write_submission_json
from grader.report.similarity_page import SimilarityFiles
from grader.results import CheckResult, SubmissionResult
from grader.sandbox.client import ForkServer
from grader.similarity import SimilarityReport
from grader.submissions import SourceFile, Submission, discover, load_submission, read_source
from grader.text_safety import printable_lines


def exercise_ids(loaded: LoadedCourse) -> list[str]:
    return [e.id for e in loaded.course.exercises]


def _check_exercises(loaded: LoadedCourse, requested: list[str]) -> tuple[str, ...]:
    return check_exercise_ids(loaded, requested)


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


RECORDS_DIR = "submissions"
PYTEST_REPORT = "pytest-report.txt"


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
    ids = exercise_ids(loaded)
    given = {s.name: s for s in submissions or []}
    """Submissions read by the caller (notebooks): graded as given, since their folder alone does not name them."""
    max_bytes = loaded.course.defaults.max_submission_kb * 1024
    if submissions is None:
        submissions = discover(paths, ids, max_bytes)
    stems = [safe_file_stem(s.name) for s in submissions]
    clashes = sorted({stem for stem in stems if stems.count(stem) > 1})
    if clashes:
        raise UsageError(f"two submission names map to the same result file {clashes[0]!r}.json; rename one of them")
    records_dir = out / RECORDS_DIR
    records_dir.mkdir(parents=True, exist_ok=True)
    for leftover in records_dir.glob(".*.tmp"):  # a write interrupted by a kill: never a record
        leftover.unlink(missing_ok=True)
    course_key = course_fingerprint(loaded, options)
    records: dict[str, Path] = {}
    to_grade: list[tuple[str, Path]] = []
    for submission in submissions:
        path = records_dir / f"{safe_file_stem(submission.name)}.json"
        records[submission.name] = path
        if force or _stored_fingerprint(path) != submission_fingerprint(course_key, submission):
            to_grade.append((submission.name, submission.path))
    if to_grade and not loaded.course.released:
        _refuse_a_failing_solution(loaded, options)
    plan = ClassPlan(total=len(submissions), to_grade=len(to_grade), skipped=len(submissions) - len(to_grade))
    del submissions  # from here on one chunk of sources at a time
    if on_plan is not None:
        on_plan(plan)
    report_path = out / PYTEST_REPORT
    report_path.write_text("", encoding="utf-8")

    keys: dict[str, str] = {}

    def sources_to_grade() -> Iterator[Submission]:
        for name, folder in to_grade:
            # read again, a chunk at a time (what is graded is what is fingerprinted), unless the caller read it
            submission = given[name] if name in given else load_submission(folder, ids, max_bytes)
            keys[submission.name] = submission_fingerprint(course_key, submission)
            yield submission

    moved: list[tuple[float, float]] = []
    """(old total, new total) of each submission that had a record before this run graded it."""

    def store(result: SubmissionResult) -> None:
        previous = _previous_record(records[result.submission]) if result.submission in records else None
        graded = replace(result, fingerprint=keys.pop(result.submission, ""), course_key=course_key)
        graded = with_history(graded, previous)
        if previous is not None:
            moved.append((previous.points, graded.points))
        write_submission_json(records_dir, graded)
        if progress is not None:
            progress(result)

    def append_report(text: str) -> None:
        with report_path.open("a", encoding="utf-8") as handle:
            handle.write(printable_lines(text))  # names and messages are the students': no escape reaches a `cat`

    isolation = grade_stream(loaded, sources_to_grade(), options, store, append_report) if to_grade else ""
    apply_late_policy(loaded, list(records.values()))
    gradebook, results = rebuild_outputs(out, loaded, list(records.values()), _selected(loaded, options))
    isolation = isolation or weakest(e.isolation for r in results for e in r.exercises)
    if similarity_report:
        _similarity_of_run(loaded, out, results)
    return ClassRun(
        run=GradeRun(results=results, isolation=isolation, pytest_report=""),
        gradebook=gradebook,
        records=records,
        graded=plan.to_grade,
        skipped=plan.skipped,
        reports=write_reports(out, loaded),
        regrade=summarise(moved) if moved else None,
    )


def similarity(
    loaded: LoadedCourse, folder: Path, out: Path | None = None, records: str = "", jobs: int = 0
) -> tuple[SimilarityReport, SimilarityFiles]:
    """``grade similarity DIR``: suspiciously alike code per exercise (:mod:`grader.similarity`).

    ``DIR`` is a ``grade run`` output folder (the files are read again from where each record says they
    were found; the report is written beside the dashboard) or a class folder (then ``out`` is required).
    """
    from grader import class_sources
    from grader.report.similarity_page import write_similarity
    from grader.similarity import compare_class, pooled

    ids = exercise_ids(loaded)
    if out is None:
        if not class_sources.is_run_folder(folder):
            raise UsageError(f"{folder} is not a `grade run` output folder (no submissions/*.json): pass --out for the report")
        out = folder
    located, problems = class_sources.locate(folder, ids)
    stubs = {e: read_source(loaded.root / "exercises" / f"{e}.py").text or "" for e in ids}
    jobs = jobs or os.cpu_count() or 1
    mapper = pooled(jobs) if jobs > 1 and len(located) > 64 else map  # a pool costs more than it saves on a small class
    found = compare_class(class_sources.texts(located, ids), stubs, mapper=mapper)
    found = replace(found, unreadable=tuple(problems))
    by_name = {item.name: item for item in located}

    def source_of(name: str, exercise: str) -> str | None:
        file = class_sources.read(by_name[name], ids).sources.get(exercise)
        return file.text if file is not None else None

    return found, write_similarity(out, found, source_of, stubs, loaded.course.title, records)


def export(
    loaded: LoadedCourse,
    out: Path,
    fmt: Format,
    target: Path | None = None,
    roster: Path | None = None,
    columns: Columns = "total",
    assignment: str | None = None,
) -> tuple[Path, int]:
    """``grade export DIR``: the grades of ``DIR/submissions/*.json`` as a file an LMS imports (:mod:`grader.export_lms`).

    Returns the file written (default ``DIR/export-<format>.csv``) and the number of students in it.
    """
    from grader.export_lms import export_rows, export_text, grade_columns, match_roster, read_roster
    from grader.report.html_reports import load_records
    from grader.report.records_json import write_text_atomic

    results, problems = load_records(out / RECORDS_DIR)
    if not results:
        raise UsageError(f"{out} holds no graded records (expected {out / RECORDS_DIR}/*.json, written by `grade run --out {out}`)")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    students = match_roster(results, read_roster(roster) if roster is not None else None, roster)
    chosen = grade_columns(loaded.course, columns, assignment or loaded.course.title)
    target = target or out / f"export-{fmt}.csv"
    write_text_atomic(target, export_text(export_rows(results, students, chosen, fmt)))
    return target, len(results)


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
        similarity(loaded, out, out, records=key)
    except (OSError, ValueError, ImportError, UsageError) as error:
        print(f"warning: the similarity report could not be written ({error})", file=sys.stderr)


def _previous_record(path: Path) -> SubmissionResult | None:
    """The stored record about to be replaced, or None (none yet, or unreadable: then it has no history to keep)."""
    try:
        return read_submission_json(path) if path.is_file() else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def diff(out: Path) -> list[StudentChange]:
    """``grade diff DIR``: per submission graded more than once, the checks whose result changed in its last regrade."""
    from grader.report.html_reports import load_records

    results, problems = load_records(out / RECORDS_DIR)
    if not results and not problems:
        raise UsageError(f"{out} holds no graded records (expected {out / RECORDS_DIR}/*.json, written by `grade run --out {out}`)")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return [change for change in map(changes, results) if change is not None]


def _refuse_a_failing_solution(loaded: LoadedCourse, options: GradeOptions) -> None:
    """A check the course's own solution fails would take its points from every student: refuse to grade.

    The solutions are graded first, like one more submission (their baseline is the run's, usually cached).
    """
    solutions = course_submission("solutions", loaded.root, "solutions", exercise_ids(loaded))
    checked = grade(loaded, [solutions], GradeOptions(exercises=options.exercises, time_limit=options.time_limit))
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


def _stored_fingerprint(path: Path) -> str | None:
    """The fingerprint in a stored record, or None when there is no readable record."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = record.get("fingerprint") if isinstance(record, dict) else None
    return value if isinstance(value, str) and value else None


def rebuild_outputs(
    out: Path, loaded: LoadedCourse, records: list[Path] | None = None, exercises: list[str] | None = None
) -> tuple[Path, list[SubmissionResult]]:
    """Rebuild the gradebook from the stored per-submission records, so it always agrees with them.

    ``records``: the record files to include (default: every ``out/submissions/*.json``).
    A record that cannot be read is left out with a warning on stderr, never a crash.
    This is the hook for every report derived from stored results: add new ones here.
    Returns the gradebook's path and the results read, in submission order.
    """
    ids = exercises or exercise_ids(loaded)
    paths = records if records is not None else sorted((out / RECORDS_DIR).glob("*.json"))
    results: list[SubmissionResult] = []
    for path in paths:
        try:
            results.append(read_submission_json(path))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"warning: {path} is not a readable result record ({error}); left out of the gradebook", file=sys.stderr)
    results.sort(key=lambda r: (r.submission.casefold(), r.submission))
    gradebook = out / "gradebook.csv"
    write_gradebook(gradebook, results, ids)
    return gradebook, results


def report(loaded: LoadedCourse, out: Path) -> ReportFiles:
    """``grade report OUT``: the dashboard and feedback pages again, from ``OUT/submissions/*.json`` only (no regrading)."""
    records_dir = out / RECORDS_DIR
    if not out.is_dir():
        raise UsageError(f"{out}: does not exist (expected the --out folder of an earlier `grade run`)")
    if not records_dir.is_dir() or not any(records_dir.glob("*.json")):
        raise UsageError(f"{out} holds no graded records (expected {records_dir}/*.json, written by `grade run --out {out}`)")
    return write_reports(out, loaded)


def _selected(loaded: LoadedCourse, options: GradeOptions) -> list[str]:
    return list(options.exercises) if options.exercises else exercise_ids(loaded)


def check_local(loaded: LoadedCourse, workspace: Path, exercises: list[str], time_limit: float | None = None) -> GradeRun:
    """``grade check``: the student's files against the visible checks only."""
    selected = _check_exercises(loaded, exercises)
    submission = load_submission(workspace, exercise_ids(loaded))
    return grade(loaded, [submission], GradeOptions(visible_only=True, exercises=selected, time_limit=time_limit, fallback_isolation=True))


@dataclass
class ValidationReport:
    """What ``grade validate`` found: one line per property, and whether the course is sound."""

    lines: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for ok, _ in self.lines)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))


def _names(checks: list[CheckResult], shown: int = 3) -> str:
    names = [c.name for c in checks]
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def validate(loaded: LoadedCourse, parallel: int = 2) -> ValidationReport:
    """``grade validate``: the course tests itself.

    Solutions must score full marks on every check, stubs must score 0 as
    "not started", every mutant must fail at least one check and be named
    there by its own hint, and each exercise's checks must cost the reference
    solution no more CPU than the exercise's ``cpu_budget_ms``.
    """
    report = ValidationReport()
    course = loaded.course
    ids = exercise_ids(loaded)
    checks = sum(len(e.checks) for e in course.exercises)
    mutant_count = sum(len(e.mutants) for e in course.exercises)
    report.add(True, f"{loaded.path.name} is valid: {len(ids)} exercises, {checks} checks, {mutant_count} mutants")
    for exercise in course.exercises:
        if not any(c.visible for c in exercise.checks):
            report.add(False, f"{exercise.id}: has no visible check, so `grade check` cannot help students with it")
        if not any(not c.visible for c in exercise.checks):
            report.add(False, f"{exercise.id}: has no hidden check")
    submissions: list[Submission] = [
        course_submission("solutions", loaded.root, "solutions", ids),
        course_submission("stubs", loaded.root, "exercises", ids),
    ]
    for exercise in course.exercises:
        for mutant in exercise.mutants:
            path = loaded.root / mutant_path(exercise.id, mutant.name, mutant.file)
            sources: dict[str, SourceFile | None] = {eid: None for eid in ids}
            sources[exercise.id] = read_source(path)
            submissions.append(Submission(name=f"mutant {exercise.id}/{mutant.name}", path=path.parent, sources=sources))
    # The course tests itself: the solutions and mutants really run (no cached baseline is read), and the
    # fresh baseline is stored, so the next `grade run` starts warm. Meanwhile a child process measures what
    # the checks cost on the reference (CPU time, so the grading beside it hardly disturbs the number).
    with ThreadPoolExecutor(max_workers=1) as pool:
        costs = pool.submit(reference_cpu_ms, loaded)
        run = grade(loaded, submissions, GradeOptions(parallel=parallel, baseline_cache="refresh"))
    try:
        cost_lines = budget_verdicts(loaded, costs.result())
    except CourseError as error:
        cost_lines = [(False, problem) for problem in error.problems]
    by_name = {r.submission: r for r in run.results}
    solutions = by_name["solutions"]
    for result in solutions.exercises:
        failed = [c for c in result.checks if not c.passed]
        if failed:
            report.add(False, f"{result.exercise}: the solution fails {', '.join(c.name for c in failed)}: {failed[0].message}")
        else:
            report.add(
                True, f"{result.exercise}: the solution scores {result.points:g}/{result.max_points:g} ({len(result.checks)} checks)"
            )
    for result in by_name["stubs"].exercises:
        if result.points != 0 or result.status != "not_started":
            odd = [c for c in result.checks if c.status != "not_started"]
            detail = f"{odd[0].name}: {odd[0].status} {odd[0].message}" if odd else result.message
            report.add(
                False, f"{result.exercise}: the stub should score 0 as 'not started', got {result.points:g} ({result.status}; {detail})"
            )
        else:
            report.add(True, f"{result.exercise}: the stub scores 0 and reads 'not started'")
    for exercise in course.exercises:
        for mutant in exercise.mutants:
            result = by_name[f"mutant {exercise.id}/{mutant.name}"].exercise(exercise.id)
            failed = [c for c in result.checks if not c.passed]
            named = [c for c in failed if c.diagnosis == mutant.name]
            if not failed:
                report.add(False, f"{exercise.id}/{mutant.name}: the mutant passes every check: add a check that catches it")
            elif not named:
                report.add(
                    False, f"{exercise.id}/{mutant.name}: caught by {failed[0].name} but not named by its hint (got: {failed[0].hint})"
                )
            else:
                report.add(True, f"{exercise.id}/{mutant.name}: caught by {_names(failed)}; hint given in {named[0].name}")
    for ok, text in cost_lines:
        report.add(ok, text)
    return report


RELEASE_README = """# {title}

Your exercises are in `exercises/`. Each file has a stub that raises
`NotImplementedError`; replace the body with your solution.

Check your work against the visible checks at any time:

    grade check              # every exercise
    grade check square       # one exercise

`grade check` works from this folder or any folder below it (such as `exercises/`).

Install the grader once, from this folder:

    {install}

The hidden checks your work is graded on use other inputs: make your code
correct, not just right on these cases.
"""


@dataclass(frozen=True)
class ReleaseBundle:
    """What ``grade release`` wrote, and the command that installs the grader for it."""

    files: list[Path]
    install_command: str
    """Run in the release's folder: installs the grader (from ``wheels/`` when the wheel was built), torch pinned."""
    wheel_problem: str = ""
    """Why the grader's wheel is not in the release (empty when it is, or when none was asked for)."""


def release(loaded: LoadedCourse, out: Path, force: bool = False, wheel: bool = False) -> ReleaseBundle:
    """``grade release OUT``: the student bundle, with nothing hidden in it.

    Written: stubs, a course.yaml holding the visible checks only (no seed, no
    mutants), and the reference's observations on the visible inputs so that
    ``grade check`` works without the solutions. With ``wheel`` (as the CLI does),
    also the grader's own wheel, so students install it from the release.
    """
    if out.exists() and any(out.iterdir()):
        if not force:
            raise UsageError(f"{out} exists and is not empty; choose another folder or pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    course = loaded.course
    plan = build_plan(course, None, visible_only=True)
    with ForkServer() as server:
        baseline = evaluate_baseline(server, loaded.root, plan)
    visible_course = _visible_course_data(loaded)
    written = []
    (out / "exercises").mkdir()
    for exercise in course.exercises:
        target = out / "exercises" / f"{exercise.id}.py"
        shutil.copyfile(loaded.root / "exercises" / f"{exercise.id}.py", target)
        written.append(target)
    course_file = out / "course.yaml"
    course_file.write_text(yaml.safe_dump(visible_course, sort_keys=False, allow_unicode=True), encoding="utf-8")
    expected = {
        "references": _without_frames(baseline.references),
        "mutants": {
            exercise_id: [
                {
                    "name": f"known_mistake_{i + 1}",
                    "hint": m.hint,
                    "observations": _visible_only(m.observations, baseline.references[exercise_id]),
                }
                for i, m in enumerate(behaviours)
            ]
            for exercise_id, behaviours in baseline.mutants.items()
        },
    }
    expected_file = out / EXPECTED_FILE
    expected_file.parent.mkdir()
    expected_file.write_text(json.dumps(expected), encoding="utf-8")
    constraints = loaded.root / "constraints.txt"
    if constraints.is_file():
        shutil.copyfile(constraints, out / "constraints.txt")
        written.append(out / "constraints.txt")
    built = build_release_wheel(out) if wheel else ReleaseWheel(None, install_command(None, out, constraints.is_file()))
    if built.wheel is not None:
        written.append(built.wheel)
    readme = out / "README.md"
    readme.write_text(RELEASE_README.format(title=course.title, install=built.install_command), encoding="utf-8")
    written += [course_file, expected_file, readme]
    return ReleaseBundle(files=written, install_command=built.install_command, wheel_problem=built.problem)


def _visible_only(observations: Observations, references: Observations) -> Observations:
    return {probe_id: _without_frames(obs) for probe_id, obs in observations.items() if probe_id in references}


def _without_frames(value: Any) -> Any:
    """Drop traceback frames: they quote the (hidden) mutant's source lines."""
    if isinstance(value, dict):
        return {key: _without_frames(item) for key, item in value.items() if key != "frames"}
    if isinstance(value, list):
        return [_without_frames(item) for item in value]
    return value


def _visible_course_data(loaded: LoadedCourse) -> dict[str, Any]:
    data = loaded.course.model_dump(mode="json", exclude_defaults=True)
    data["seed"] = 0
    data["released"] = True
    data.pop("checks_dir", None)
    data.pop("deadline", None)  # extensions and timestamps files are the instructor's
    for exercise in data["exercises"]:
        exercise.pop("mutants", None)
        exercise.pop("release_whitelist", None)
        exercise.pop("cpu_budget_ms", None)
        exercise["checks"] = [c for c in exercise["checks"] if c.get("visible")]
        for check in exercise["checks"]:
            check.pop("random", None)
    return data


__all__ = [
    "ClassPlan",
    "ClassRun",
    "ReleaseBundle",
    "ValidationReport",
    "check_local",
    "diff",
    "exercise_ids",
    "export",
    "rebuild_outputs",
    "release",
    "report",
    "run_class",
    "similarity",
    "validate",
]
