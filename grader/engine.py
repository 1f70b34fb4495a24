"""The grading pipeline in one place: plan, baseline, evaluate, judge, assemble.

    course --plan--> probes --sandbox--> observations --pytest--> check results --> SubmissionResult

Every command (run, check, validate) goes through :func:`grade`, so what a
student sees locally is judged exactly like what the instructor grades.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.checks.judge import MutantBehaviour
from grader.checks.plugin import JudgeOutcome, JudgeTask, StudentHandle, run_judging
from grader.course.load import LoadedCourse
from grader.errors import CourseError
from grader.evaluate import Baseline, Evaluation, evaluate_baseline, evaluate_submissions
from grader.feedback_data import exercise_feedback
from grader.plan import Plan, build_plan, student_seed
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.sandbox.client import ForkServer
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
) -> GradeRun:
    """Grade ``submissions``; one bad submission never stops the batch."""
    course = loaded.course
    submissions = list(submissions)
    base_seed = None if options.visible_only else course.seed
    plans: dict[int | None, Plan] = {}

    def plan_for_seed(seed: int | None) -> Plan:
        if seed not in plans:
            plans[seed] = _select(build_plan(course, seed, options.visible_only, options.time_limit), options.exercises)
        return plans[seed]

    def seed_of(submission: Submission) -> int | None:
        if base_seed is None or not options.per_student_seed:
            return base_seed
        return student_seed(base_seed, submission.name)

    seeds = {seed_of(s) for s in submissions} or {base_seed}
    with ForkServer(parallel=options.parallel) as server:
        baselines: dict[int | None, Baseline] = {}
        if course.released:
            baselines[None] = load_released_baseline(loaded)
        else:
            for seed in sorted(seeds, key=lambda s: -1 if s is None else s):
                baselines[seed] = evaluate_baseline(server, loaded.root, plan_for_seed(seed))
        evaluated = list(evaluate_submissions(server, lambda s: plan_for_seed(seed_of(s)), submissions))
        tasks = []
        for submission, evaluations in evaluated:
            seed = seed_of(submission)
            for exercise_plan in plan_for_seed(seed).exercises:
                evaluation = evaluations[exercise_plan.id]
                if evaluation.status in ("missing", "syntax_error", "rejected"):
                    continue
                baseline = baselines[seed]
                tasks.append(
                    JudgeTask(
                        submission=submission.name,
                        plan=exercise_plan,
                        observations=evaluation.observations,
                        reference=baseline.references[exercise_plan.id],
                        mutants=baseline.mutants.get(exercise_plan.id, ()),
                        unfinished=evaluation.message or "the worker ended before this check",
                    )
                )
        any_plan = plan_for_seed(base_seed)
        handles = [StudentHandle(submission, server, {p.id: p for p in any_plan.exercises}) for submission, _ in evaluated]
        checks_dir = loaded.root / course.checks_dir if course.checks_dir and not options.visible_only else None
        outcome = run_judging(tasks, handles, checks_dir)
        isolation = server.level
    results = []
    for submission, evaluations in evaluated:
        seed = seed_of(submission)
        result = _assemble(submission, evaluations, plan_for_seed(seed), outcome, seed, course.course, baselines[seed].references)
        results.append(result)
        if progress is not None:
            progress(result)
    return GradeRun(results=results, isolation=isolation, pytest_report=outcome.report)


def _assemble(
    submission: Submission,
    evaluations: dict[str, Evaluation],
    plan: Plan,
    outcome: JudgeOutcome,
    seed: int | None,
    course_id: str,
    references: dict[str, Any] | None = None,
) -> SubmissionResult:
    exercises = []
    for exercise_plan in plan.exercises:
        evaluation = evaluations[exercise_plan.id]
        checks: list[CheckResult] = []
        for planned in exercise_plan.checks:
            result = outcome.builtin.get((submission.name, exercise_plan.id, planned.name))
            if result is None:
                check = planned.check
                result = CheckResult(
                    exercise=exercise_plan.id,
                    name=check.name,
                    visible=check.visible,
                    points=0.0,
                    max_points=check.points,
                    status="not_graded",
                    message=evaluation.message,
                    description=check.description or "",
                )
            checks.append(result)
        checks.extend(r for (name, exercise, _), r in outcome.custom.items() if name == submission.name and exercise == exercise_plan.id)
        status = evaluation.status
        if status == "graded" and checks and all(c.status == "not_started" for c in checks):
            status = "not_started"
        exercises.append(
            ExerciseResult(
                exercise=exercise_plan.id,
                status=status,
                points=round(sum(c.points for c in checks), 6),
                max_points=round(sum(c.max_points for c in checks), 6),
                checks=tuple(checks),
                message=evaluation.message,
                isolation=evaluation.isolation,
                wall_seconds=evaluation.wall_seconds,
                output=evaluation.output,
                **exercise_feedback(exercise_plan, evaluation.observations, (references or {}).get(exercise_plan.id)),
            )
        )
    return SubmissionResult(
        submission=submission.name,
        path=str(submission.path),
        exercises=tuple(exercises),
        seed=seed,
        course=course_id,
    )


def course_submission(name: str, root: Path, folder: str, exercise_ids: list[str]) -> Submission:
    """The course's own stubs or solutions, graded like a student's (``grade validate``)."""
    from grader.submissions import load_submission

    submission = load_submission(root / folder, exercise_ids)
    return Submission(name=name, path=submission.path, sources=submission.sources)
