"""The grading pipeline in one place: plan, baseline, evaluate, judge, assemble.

    course --plan--> probes --sandbox--> observations --pytest--> check results --> SubmissionResult

Every command (run, check, validate) goes through :func:`grade_stream`, so what
a student sees locally is judged exactly like what the instructor grades. It
works in chunks of submissions so that a class of thousands streams through
with flat memory, one pytest session per chunk, and the fork server (torch
imported once) and the trusted baselines are set up once per run.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.baseline_cache import CacheMode, cached_baseline
from grader.checks.judge import MutantBehaviour
from grader.checks.plugin import JudgeOutcome, JudgeTask, StudentHandle, run_judging
from grader.course.load import LoadedCourse
from grader.errors import CourseError
from grader.evaluate import Baseline, Evaluation, evaluate_baseline, evaluate_submissions
from grader.executors import Executor, weakest
from grader.feedback_data import exercise_feedback
from grader.plan import ExercisePlan, Plan, build_plan
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.sandbox.client import ForkServer
from grader.seeds import student_seed
from grader.submissions import Submission

EXPECTED_FILE = ".grader/expected.json"
"""In a student release: the reference's observations (and known-mistake hints) for the visible probes only."""


@dataclass(frozen=True)
class GradeOptions:
    visible_only: bool = False
    per_student_seed: bool = False
    time_limit: float | None = None
    parallel: int = 1
    exercises: tuple[str, ...] = ()
    """Restrict to these exercise ids (empty: all)."""
    chunk_size: int = 0
    """Submissions evaluated and judged together (one pytest session each); 0: :data:`DEFAULT_CHUNK`."""
    dask: str | None = None
    """A Dask scheduler's address: evaluate there (:mod:`grader.executor_dask`) instead of on this machine."""
    baseline_cache: CacheMode = "use"
    """The course seed's baseline on disk (:mod:`grader.baseline_cache`); ``grade validate`` refreshes it."""
    fallback_isolation: bool = False
    """Grade at the ``portable`` level where the fork server cannot run (``grade check``), rather than stop."""


DEFAULT_CHUNK = 32
"""Submissions per chunk: large enough that a pytest session (about 70 ms) is noise, small enough to keep memory flat."""


@dataclass(frozen=True)
class GradeRun:
    results: list[SubmissionResult]
    isolation: str
    pytest_report: str


Progress = Callable[[SubmissionResult], None]


def _select(plan: Plan, exercises: tuple[str, ...]) -> Plan:
    if not exercises:
        return plan
    return Plan(course=plan.course, seed=plan.seed, exercises=tuple(p for p in plan.exercises if p.id in exercises))


def load_released_baseline(loaded: LoadedCourse) -> Baseline:
    """A student release ships the visible probes' reference observations instead of solutions."""
    path = loaded.root / EXPECTED_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CourseError([f"{EXPECTED_FILE}: missing or unreadable ({error}); re-download the course release"]) from error
    mutants = {
        exercise_id: tuple(MutantBehaviour(m["name"], m["hint"], m["observations"]) for m in entries)
        for exercise_id, entries in data.get("mutants", {}).items()
    }
    return Baseline(references=data["references"], mutants=mutants)


def grade(
    loaded: LoadedCourse,
    submissions: Iterable[Submission],
    options: GradeOptions,
    progress: Progress | None = None,
    server: ForkServer | None = None,
) -> GradeRun:
    """Grade ``submissions`` and keep every result in memory (``check``, ``validate``: a handful of them)."""
    results: list[SubmissionResult] = []
    reports: list[str] = []

    def keep(result: SubmissionResult) -> None:
        results.append(result)
        if progress is not None:
            progress(result)

    isolation = grade_stream(loaded, submissions, options, keep, reports.append, server)
    return GradeRun(results=results, isolation=isolation, pytest_report="".join(reports))


@dataclass
class _Seeds:
    """Plans and trusted baselines per hidden-input seed, each computed once per run.

    With ``--per-student-seed`` every student has a seed of their own, so only the
    current chunk's are kept (the class never sits in memory as baselines).
    """

    loaded: LoadedCourse
    options: GradeOptions
    plans: dict[int | None, Plan] = field(default_factory=dict)
    baselines: dict[int | None, Baseline] = field(default_factory=dict)

    def seed_of(self, submission: Submission) -> int | None:
        base = None if self.options.visible_only else self.loaded.course.seed
        if base is None or not self.options.per_student_seed:
            return base
        return student_seed(base, submission.name)

    def plan(self, seed: int | None) -> Plan:
        if seed not in self.plans:
            solutions = None if self.loaded.course.released else self.loaded.root / "solutions"  # names the inputs in hints
            plan = build_plan(self.loaded.course, seed, self.options.visible_only, self.options.time_limit, solutions)
            self.plans[seed] = _select(plan, self.options.exercises)
        return self.plans[seed]

    def baseline(self, server: ForkServer, seed: int | None) -> Baseline:
        if self.loaded.course.released:
            seed = None
        if seed not in self.baselines:
            if self.loaded.course.released:
                self.baselines[seed] = load_released_baseline(self.loaded)
            else:
                plan = self.plan(seed)
                # Per-student seeds are not cached: one file per student would crowd out the course's.
                mode = self.options.baseline_cache if seed in (None, self.loaded.course.seed) else "off"
                compute = functools.partial(evaluate_baseline, server, self.loaded.root, plan)
                self.baselines[seed] = cached_baseline(self.loaded, plan, compute, mode)
        return self.baselines[seed]

    def forget_students(self, keep: int | None) -> None:
        """Drop per-student plans and baselines after a chunk (the course seed's stay)."""
        for cache in (self.plans, self.baselines):
            for seed in [s for s in cache if s != keep]:
                del cache[seed]


def _chunks(submissions: Iterable[Submission], size: int) -> Iterator[list[Submission]]:
    iterator = iter(submissions)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@contextlib.contextmanager
def _fork_server(options: GradeOptions, running: ForkServer | None) -> Iterator[ForkServer]:
    """The caller's running fork server (``grade run`` grades the solutions, then the class, in one), or a new one."""
    if running is not None:
        yield running
        return
    with ForkServer(parallel=options.parallel, fallback=options.fallback_isolation) as server:
        yield server


@contextlib.contextmanager
def _executor(options: GradeOptions, server: ForkServer) -> Iterator[Executor]:
    if options.dask is None:
        yield server
        return
    from grader.executor_dask import DaskExecutor

    with DaskExecutor(options.dask) as remote:
        yield remote


@dataclass(frozen=True)
class _EvaluatedChunk:
    """One chunk, evaluated: each submission's evaluations, with the plan and baseline of its seed."""

    submissions: list[tuple[Submission, dict[str, Evaluation]]]
    seeds: dict[str, int | None]
    plans: dict[int | None, Plan]
    baselines: dict[int | None, Baseline]


def _evaluate_chunks(
    seeds: _Seeds, server: ForkServer, executor: Executor, submissions: Iterable[Submission], size: int, course_seed: int | None
) -> Iterator[_EvaluatedChunk]:
    """Baselines (once per seed, on this machine) then the sandboxed evaluation of each chunk."""
    for chunk in _chunks(submissions, size):
        chunk_seeds = {s.name: seeds.seed_of(s) for s in chunk}
        used = set(chunk_seeds.values())
        baselines = {seed: seeds.baseline(server, seed) for seed in used}
        plans = {seed: seeds.plan(seed) for seed in used | {course_seed}}
        plan_of = {s.name: plans[chunk_seeds[s.name]] for s in chunk}
        evaluated = list(evaluate_submissions(executor, lambda s, plan_of=plan_of: plan_of[s.name], chunk))
        yield _EvaluatedChunk(evaluated, chunk_seeds, plans, baselines)
        if seeds.options.per_student_seed:
            seeds.forget_students(course_seed)


_DONE = object()


def _prefetched(chunks: Iterator[_EvaluatedChunk]) -> Iterator[_EvaluatedChunk]:
    """Evaluate the next chunk in a thread while the caller judges this one (the sandbox and pytest overlap).

    At most one evaluated chunk waits, so memory stays bounded; an error in the
    thread is raised here; if the caller stops early the thread stops at its next chunk.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                ready.put(chunk)
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            ready.put(error)

    thread = threading.Thread(target=produce, name="grader-evaluate", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            ready.get_nowait()  # unblock a producer waiting to put its chunk
        thread.join(timeout=5)  # a thread still evaluating ends when the fork server closes


def _judge_tasks(chunk: _EvaluatedChunk) -> list[JudgeTask]:
    """One judging task per submission x exercise that reached a worker (the others have nothing to judge)."""
    tasks = []
    for submission, evaluations in chunk.submissions:
        seed = chunk.seeds[submission.name]
        baseline = chunk.baselines[seed]
        for exercise_plan in chunk.plans[seed].exercises:
            evaluation = evaluations[exercise_plan.id]
            if evaluation.status in ("missing", "syntax_error", "rejected"):
                continue
            tasks.append(
                JudgeTask(
                    submission=submission.name,
                    plan=exercise_plan,
                    observations=evaluation.observations,
                    reference=baseline.references[exercise_plan.id],
                    mutants=baseline.mutants.get(exercise_plan.id, ()),
                    unfinished=None if evaluation.status == "graded" else evaluation.message or "the worker ended before this check",
                )
            )
    return tasks


def grade_stream(
    loaded: LoadedCourse,
    submissions: Iterable[Submission],
    options: GradeOptions,
    on_result: Progress,
    on_report: Callable[[str], None] | None = None,
    server: ForkServer | None = None,
) -> str:
    """Grade ``submissions`` chunk by chunk, handing each result to ``on_result`` as soon as it is assembled.

    Per chunk: evaluate every submission x exercise in the sandbox, judge the
    chunk in one pytest session, assemble and hand over. While a chunk is judged
    the next one is already being evaluated (unless instructor checks need the
    fork server during judging). The fork server (torch imported once) and the
    trusted baselines live for the whole run; nothing of a chunk outlives it, so
    memory stays flat whatever the class size. One bad submission never stops
    the batch. Returns the weakest isolation level used.
    """
    course = loaded.course
    size = options.chunk_size or DEFAULT_CHUNK
    checks_dir = loaded.root / course.checks_dir if course.checks_dir and not options.visible_only else None
    course_seed = None if options.visible_only else course.seed
    with _fork_server(options, server) as server, _executor(options, server) as executor:
        levels = {server.level}
        chunks = _evaluate_chunks(_Seeds(loaded, options), server, executor, submissions, size, course_seed)
        # Instructor checks call the student's code through the local fork server while pytest runs: then in turn.
        for chunk in chunks if checks_dir is not None else _prefetched(chunks):
            tasks = _judge_tasks(chunk)
            plans = {p.id: p for p in chunk.plans[course_seed].exercises}
            handles = [StudentHandle(submission, server, plans) for submission, _ in chunk.submissions]
            outcome = run_judging(tasks, handles, checks_dir)
            if on_report is not None:
                on_report(outcome.report)
            for submission, evaluations in chunk.submissions:
                levels.update(e.isolation for e in evaluations.values())
                seed = chunk.seeds[submission.name]
                references = chunk.baselines[seed].references
                on_result(_assemble(submission, evaluations, chunk.plans[seed], outcome, seed, course.course, references))
    return weakest(levels)


def _checks_of(submission: str, exercise_plan: ExercisePlan, evaluation: Evaluation, outcome: JudgeOutcome) -> list[CheckResult]:
    """Each planned check's result, then the instructor's; ``not_graded`` where the judge had none (not run, or the worker ended first)."""
    checks: list[CheckResult] = []
    for planned in exercise_plan.checks:
        result = outcome.builtin.get((submission, exercise_plan.id, planned.name))
        checks.append(planned.not_graded(evaluation.message) if result is None else result)
    checks.extend(r for (name, exercise, _), r in outcome.custom.items() if name == submission and exercise == exercise_plan.id)
    return checks


def _exercise_result(exercise_plan: ExercisePlan, evaluation: Evaluation, checks: list[CheckResult], reference: Any) -> ExerciseResult:
    """The exercise's record: its checks' points summed, ``not_started`` when the stub still raises in every check."""
    status = evaluation.status
    if status == "graded" and checks and all(c.status == "not_started" for c in checks):
        status = "not_started"
    return ExerciseResult(
        exercise=exercise_plan.id,
        status=status,
        points=round(sum(c.points for c in checks), 6),
        max_points=round(sum(c.max_points for c in checks), 6),
        checks=tuple(checks),
        message=evaluation.message,
        isolation=evaluation.isolation,
        wall_seconds=evaluation.wall_seconds,
        output=evaluation.output,
        **exercise_feedback(exercise_plan, evaluation.observations, reference),
    )


def _assemble(
    submission: Submission,
    evaluations: dict[str, Evaluation],
    plan: Plan,
    outcome: JudgeOutcome,
    seed: int | None,
    course_id: str,
    references: dict[str, Any] | None = None,
) -> SubmissionResult:
    """The submission's record from its evaluations and the chunk's judging, in the plan's order of exercises."""
    exercises = []
    for exercise_plan in plan.exercises:
        evaluation = evaluations[exercise_plan.id]
        checks = _checks_of(submission.name, exercise_plan, evaluation, outcome)
        exercises.append(_exercise_result(exercise_plan, evaluation, checks, (references or {}).get(exercise_plan.id)))
    return SubmissionResult(
        submission=submission.name,
        path=os.fsencode(submission.path).decode("utf-8", "backslashreplace"),  # a folder name may not be UTF-8
        exercises=tuple(exercises),
        seed=seed,
        course=course_id,
    )


def course_submission(name: str, root: Path, folder: str, exercise_ids: list[str]) -> Submission:
    """The course's own stubs or solutions, graded like a student's (``grade validate``)."""
    from grader.submissions import load_submission

    submission = load_submission(root / folder, exercise_ids)
    return Submission(name=name, path=submission.path, sources=submission.sources)


__all__ = [
    "DEFAULT_CHUNK",
    "EXPECTED_FILE",
    "GradeOptions",
    "GradeRun",
    "Progress",
    "course_submission",
    "grade",
    "grade_stream",
    "load_released_baseline",
]
