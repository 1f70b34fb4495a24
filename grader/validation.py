"""``grade validate``: the course tests itself before any student is graded with it.

One line per property, each true or false: every exercise has a visible and a hidden check; the
solutions score full marks; the stubs score 0 and read "not started"; every mutant fails a check
and is named there by its own hint; the checks cost the reference no more CPU than the
exercise's ``cpu_budget_ms``.

(The module is ``validation``, not ``validate``: ``grader.validate`` is the public function, and a
submodule of that name would replace it on the package once imported.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from grader.course.cost import budget_verdicts, reference_cpu_ms
from grader.course.load import LoadedCourse
from grader.course.schema import Exercise, Mutant
from grader.engine import GradeOptions, course_submission, grade
from grader.errors import CourseError
from grader.evaluate import mutant_path
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.submissions import SourceFile, Submission, read_source

Line = tuple[bool, str]
"""One property of the course: whether it holds, and the sentence that says so."""


@dataclass
class ValidationReport:
    """What ``grade validate`` found: one line per property, and whether the course is sound."""

    lines: list[Line] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for ok, _ in self.lines)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))


def validate(loaded: LoadedCourse, parallel: int = 2) -> ValidationReport:
    """``grade validate``: the course tests itself.

    Solutions must score full marks on every check, stubs must score 0 as
    "not started", every mutant must fail at least one check and be named
    there by its own hint, and each exercise's checks must cost the reference
    solution no more CPU than the exercise's ``cpu_budget_ms``.
    """
    report = ValidationReport()
    for line in _course_lines(loaded):
        report.add(*line)
    by_name, cost_lines = _grade_and_measure(loaded, parallel)
    for line in [
        *map(_solution_line, by_name["solutions"].exercises),
        *map(_stub_line, by_name["stubs"].exercises),
        *_mutant_lines(loaded, by_name),
        *cost_lines,
    ]:
        report.add(*line)
    return report


def _course_lines(loaded: LoadedCourse) -> list[Line]:
    """What the course declares, and each exercise without a visible or a hidden check."""
    exercises = loaded.course.exercises
    checks = sum(len(e.checks) for e in exercises)
    mutants = sum(len(e.mutants) for e in exercises)
    lines: list[Line] = [(True, f"{loaded.path.name} is valid: {len(exercises)} exercises, {checks} checks, {mutants} mutants")]
    for exercise in exercises:
        if not any(c.visible for c in exercise.checks):
            lines.append((False, f"{exercise.id}: has no visible check, so `grade check` cannot help students with it"))
        if not any(not c.visible for c in exercise.checks):
            lines.append((False, f"{exercise.id}: has no hidden check"))
    return lines


def _mutant_name(exercise: Exercise, mutant: Mutant) -> str:
    return f"mutant {exercise.id}/{mutant.name}"


def _self_test_submissions(loaded: LoadedCourse) -> list[Submission]:
    """The solutions, the stubs, and each mutant as a submission of its one exercise."""
    ids = loaded.exercise_ids
    submissions = [
        course_submission("solutions", loaded.root, "solutions", ids),
        course_submission("stubs", loaded.root, "exercises", ids),
    ]
    for exercise in loaded.course.exercises:
        for mutant in exercise.mutants:
            path = loaded.root / mutant_path(exercise.id, mutant.name, mutant.file)
            sources: dict[str, SourceFile | None] = {eid: None for eid in ids}
            sources[exercise.id] = read_source(path)
            submissions.append(Submission(name=_mutant_name(exercise, mutant), path=path.parent, sources=sources))
    return submissions


def _grade_and_measure(loaded: LoadedCourse, parallel: int) -> tuple[dict[str, SubmissionResult], list[Line]]:
    """Each self-test submission's result by name, and the verdicts on what the checks cost the reference.

    The solutions and mutants really run (no cached baseline is read), and the fresh baseline is stored,
    so the next `grade run` starts warm. Meanwhile a child process measures what the checks cost on the
    reference (CPU time, so the grading beside it hardly disturbs the number).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        costs = pool.submit(reference_cpu_ms, loaded)
        run = grade(loaded, _self_test_submissions(loaded), GradeOptions(parallel=parallel, baseline_cache="refresh"))
    try:
        cost_lines = budget_verdicts(loaded, costs.result())
    except CourseError as error:
        cost_lines = [(False, problem) for problem in error.problems]
    return {r.submission: r for r in run.results}, cost_lines


def _solution_line(result: ExerciseResult) -> Line:
    failed = [c for c in result.checks if not c.passed]
    if failed:
        return False, f"{result.exercise}: the solution fails {', '.join(c.name for c in failed)}: {failed[0].message}"
    return True, f"{result.exercise}: the solution scores {result.points:g}/{result.max_points:g} ({len(result.checks)} checks)"


def _stub_line(result: ExerciseResult) -> Line:
    if result.points != 0 or result.status != "not_started":
        odd = [c for c in result.checks if c.status != "not_started"]
        detail = f"{odd[0].name}: {odd[0].status} {odd[0].message}" if odd else result.message
        return False, f"{result.exercise}: the stub should score 0 as 'not started', got {result.points:g} ({result.status}; {detail})"
    return True, f"{result.exercise}: the stub scores 0 and reads 'not started'"


def _mutant_lines(loaded: LoadedCourse, by_name: dict[str, SubmissionResult]) -> list[Line]:
    """Each mutant must fail a check, and a failing check must name it by its hint."""
    lines: list[Line] = []
    for exercise in loaded.course.exercises:
        for mutant in exercise.mutants:
            failed = [c for c in by_name[_mutant_name(exercise, mutant)].exercise(exercise.id).checks if not c.passed]
            named = [c for c in failed if c.diagnosis == mutant.name]
            where = f"{exercise.id}/{mutant.name}"
            if not failed:
                lines.append((False, f"{where}: the mutant passes every check: add a check that catches it"))
            elif not named:
                lines.append((False, f"{where}: caught by {failed[0].name} but not named by its hint (got: {failed[0].hint})"))
            else:
                lines.append((True, f"{where}: caught by {_names(failed)}; hint given in {named[0].name}"))
    return lines


def _names(checks: list[CheckResult], shown: int = 3) -> str:
    names = [c.name for c in checks]
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


__all__ = ["ValidationReport", "validate"]
