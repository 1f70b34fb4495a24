"""Evaluation: run solutions, mutants and submissions through the sandbox.

The output is observations (untrusted data) plus, per submission x
exercise, how the worker ended. Judging happens later, in pytest
(:mod:`grader.checks.plugin`), on these records only.
"""

from __future__ import annotations

import ast
import itertools
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.checks.judge import MutantBehaviour, Observations
from grader.errors import CourseError, SandboxError
from grader.executors import Executor
from grader.plan import ExercisePlan, Plan
from grader.results import ExerciseStatus
from grader.sandbox.client import ForkServer, Job, WorkerRun
from grader.static_rules import autograd_use
from grader.submissions import Submission

_job_ids = itertools.count(1)


@dataclass(frozen=True)
class Evaluation:
    """What one submission's worker for one exercise produced."""

    exercise: str
    status: ExerciseStatus
    message: str
    observations: Observations = field(default_factory=dict)
    isolation: str = ""
    wall_seconds: float = 0.0
    output: str = ""


@dataclass(frozen=True)
class Baseline:
    """Trusted observations for one plan: the reference solution's and each mutant's."""

    references: dict[str, Observations]
    mutants: dict[str, tuple[MutantBehaviour, ...]]


def _job(plan: ExercisePlan, source: str) -> Job:
    return Job(
        job_id=next(_job_ids),
        module_name=plan.id,
        files={f"{plan.id}.py": source},
        probes=plan.probes(),
        limits=plan.limits.model_dump(),
    )


def _read_course_file(root: Path, relative: str) -> str:
    path = root / relative
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError([f"{relative}: cannot be read ({error.strerror}); course.yaml names it"]) from error


def mutant_path(exercise_id: str, name: str, file: str | None) -> str:
    return file or f"mutants/{exercise_id}/{name}.py"


def evaluate_baseline(server: ForkServer, root: Path, plan: Plan, with_mutants: bool = True) -> Baseline:
    """Run every solution (and mutant) on the plan's probes; a failing solution is a course error."""
    jobs: dict[int, tuple[str, str | None]] = {}
    queue = []
    for exercise_plan in plan.exercises:
        job = _job(exercise_plan, _read_course_file(root, f"solutions/{exercise_plan.id}.py"))
        jobs[job.job_id] = (exercise_plan.id, None)
        queue.append(job)
        if with_mutants:
            for mutant in exercise_plan.exercise.mutants:
                source = _read_course_file(root, mutant_path(exercise_plan.id, mutant.name, mutant.file))
                job = _job(exercise_plan, source)
                jobs[job.job_id] = (exercise_plan.id, mutant.name)
                queue.append(job)
    references: dict[str, Observations] = {}
    mutant_runs: dict[str, dict[str, Observations]] = {}
    problems = []
    for run in server.run(queue):
        exercise_id, mutant_name = jobs[run.job_id]
        _raise_on_sandbox_failure(run)
        if mutant_name is None:
            if not run.completed or run.import_error:
                problems.append(f"solutions/{exercise_id}.py: the reference solution did not run cleanly ({_run_summary(run)})")
            references[exercise_id] = run.observations
        else:
            mutant_runs.setdefault(exercise_id, {})[mutant_name] = run.observations
    if problems:
        raise CourseError(problems)
    mutants = {
        exercise_plan.id: tuple(
            MutantBehaviour(m.name, m.hint, mutant_runs.get(exercise_plan.id, {}).get(m.name, {})) for m in exercise_plan.exercise.mutants
        )
        for exercise_plan in plan.exercises
    }
    return Baseline(references=references, mutants=mutants)


def _run_summary(run: WorkerRun) -> str:
    if run.import_error:
        return f"import raised {run.import_error.get('type')}: {run.import_error.get('message')}"
    return f"status {run.status}, exit code {run.exit_code}; output: {run.output[-500:]}"


def _raise_on_sandbox_failure(run: WorkerRun) -> None:
    if run.status == "sandbox_error":
        raise SandboxError(f"the sandbox could not confine a worker: {run.sandbox_message or 'no message'}")


def static_problem(file_name: str, source: str) -> str | None:
    """A syntax error, found by parsing in the trusted process (the code never runs for this)."""
    try:
        ast.parse(source, filename=file_name)
    except SyntaxError as error:
        text = (error.text or "").strip()
        shown = f": `{text[:120]}`" if text else ""
        return f"{file_name} line {error.lineno}: {error.msg}{shown}"
    except ValueError as error:  # null bytes
        return f"{file_name}: {error}"
    return None


def describe_run_end(run: WorkerRun, plan: ExercisePlan) -> tuple[ExerciseStatus, str]:
    """How a worker ended, in words for the student; ``graded`` when it answered every probe."""
    limits = plan.limits
    if run.status == "timeout":
        return "timeout", f"stopped after {limits.time_limit:g} s (the time limit): an endless loop, or a very slow computation?"
    if run.status == "output_limit":
        return "output_limit", f"printed more than {limits.max_output_kb} KiB, the output limit: remove large prints"
    if run.status == "result_limit":
        return "crashed", "returned more data than the grader accepts"
    if run.completed:
        return "graded", ""
    if run.signal:
        name = _signal_name(run.signal)
        why = {
            "SIGSEGV": "a segmentation fault",
            "SIGKILL": "killed (a resource limit?)",
            "SIGXCPU": "the CPU time limit",
            "SIGABRT": "an abort",
        }
        return "crashed", f"the Python process crashed ({why.get(name, name)}) before every check ran"
    return "exited", f"your code ended the Python process (exit code {run.exit_code}) before every check ran"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def evaluate_submissions(
    server: Executor,
    plan_of: Any,
    submissions: Iterable[Submission],
) -> Iterator[tuple[Submission, dict[str, Evaluation]]]:
    """Evaluate every submission; yields each one when all its exercises are done.

    ``plan_of(submission) -> Plan`` lets every student have their own hidden inputs.
    """
    jobs: dict[int, tuple[Submission, ExercisePlan]] = {}
    pending: dict[str, dict[str, Evaluation]] = {}
    expected: dict[str, int] = {}
    order: list[Submission] = []
    queue: list[Job] = []
    for submission in submissions:
        order.append(submission)
        plan: Plan = plan_of(submission)
        done = pending.setdefault(submission.name, {})
        expected[submission.name] = len(plan.exercises)
        for exercise_plan in plan.exercises:
            source = submission.sources.get(exercise_plan.id)
            file_name = f"{exercise_plan.id}.py"
            if source is None:
                done[exercise_plan.id] = Evaluation(exercise_plan.id, "missing", f"{file_name} was not handed in")
            elif source.text is None:
                done[exercise_plan.id] = Evaluation(exercise_plan.id, "rejected", source.problem or f"{file_name} could not be read")
            elif (problem := static_problem(file_name, source.text)) is not None:
                done[exercise_plan.id] = Evaluation(exercise_plan.id, "syntax_error", f"syntax error in {problem}")
            elif exercise_plan.exercise.forbid_autograd and (use := autograd_use(file_name, source.text)) is not None:
                done[exercise_plan.id] = Evaluation(exercise_plan.id, "rejected", use)
            else:
                job = _job(exercise_plan, source.text)
                jobs[job.job_id] = (submission, exercise_plan)
                queue.append(job)
    for submission in order:
        if len(pending[submission.name]) == expected[submission.name]:
            yield submission, pending.pop(submission.name)
    for run in server.run(queue):
        _raise_on_sandbox_failure(run)
        submission, exercise_plan = jobs.pop(run.job_id)
        status, message = describe_run_end(run, exercise_plan)
        if run.import_error and status == "graded":
            error = run.import_error
            message = f"importing {exercise_plan.id}.py raised {error.get('type')}: {str(error.get('message', ''))[:300]}"
        done = pending[submission.name]
        done[exercise_plan.id] = Evaluation(
            exercise=exercise_plan.id,
            status=status,
            message=message,
            observations=run.observations,
            isolation=run.isolation,
            wall_seconds=run.wall,
            output=run.output[-4000:],
        )
        if len(done) == expected[submission.name]:
            yield submission, pending.pop(submission.name)
