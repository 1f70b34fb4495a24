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

from grader.course.schema import Course
from grader.errors import CourseError, SandboxError
from grader.executors import Executor
from grader.plan import ExercisePlan, MutantBehaviour, Observations, Plan, worker_limits
from grader.printed_output import clip_output
from grader.results import ExerciseStatus
from grader.sandbox import protocol
from grader.sandbox.jobs import Job, Module, WorkerRun
from grader.static_rules import autograd_use
from grader.student_errors import describe_error
from grader.submissions import SourceFile, Submission

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
    interfered: bool = False
    """The module's result lines broke the protocol, so none of its observations were kept."""


@dataclass(frozen=True)
class Baseline:
    """Trusted observations for one plan: the reference solution's and each mutant's."""

    references: dict[str, Observations]
    mutants: dict[str, tuple[MutantBehaviour, ...]]


@dataclass(frozen=True)
class ModuleOutcome:
    """One module of a job, as the worker left it: what it observed and, if the worker ended there, how."""

    name: str
    observations: Observations
    import_error: dict[str, Any] | None
    completed: bool
    status: str
    """The worker's end (``exited``, ``timeout``, ...) when it ended in this module; ``exited`` otherwise."""
    exit_code: int | None
    signal: int | None
    isolation: str
    output: str = ""
    wall: float = 0.0
    interfered: bool = False
    """The module's result lines broke the protocol: every observation was dropped (the judge fails its checks)."""
    sandbox_message: str | None = None
    """Why the submission's confinement could not be set up (``status`` is then ``sandbox_error``)."""


def _module(plan: ExercisePlan, time_limit: float | None = None) -> Module:
    return plan.module(time_limit=time_limit)


def _course_time_limit(course: Course, plan: ExercisePlan) -> float:
    """The exercise's time limit as course.yaml sets it, whatever ``--time-limit`` says.

    ``--time-limit`` bounds students; the course's own solutions and mutants keep
    the limit the course was validated with, so a tight limit on a busy machine
    cannot turn a slow reference into a course error.
    """
    return max(plan.limits.time_limit, plan.course_time_limit)


def jobs_for(sources: dict[str, str], plans: Iterable[ExercisePlan], course: Course | None = None) -> list[Job]:
    """One worker for all of a submission's modules (one per set of memory/process/output limits).

    Modules that share a worker share its memory budget, so exercises whose
    course.yaml limits differ get workers of their own. With ``course`` (the
    course's own files), each module gets the course's time limit.
    """
    groups: dict[tuple[tuple[str, Any], ...], list[ExercisePlan]] = {}
    for plan in plans:
        groups.setdefault(tuple(worker_limits(plan.limits).items()), []).append(plan)
    return [
        Job(
            job_id=next(_job_ids),
            files={f"{plan.id}.py": sources[plan.id] for plan in group},
            modules=tuple(_module(plan, _course_time_limit(course, plan) if course else None) for plan in group),
            limits=dict(shared),
        )
        for shared, group in groups.items()
    ]


def _outcomes(run: WorkerRun, job: Job) -> list[ModuleOutcome]:
    """One outcome per module the job reached, each with its own process's end; all of them when setup failed."""
    if run.status == "sandbox_error":
        return [
            ModuleOutcome(module.name, {}, None, False, "sandbox_error", None, None, run.isolation, sandbox_message=run.sandbox_message)
            for module in job.modules
        ]
    return [
        ModuleOutcome(
            name=module.name,
            observations=module.observations,
            import_error=module.import_error,
            completed=module.completed,
            status=module.status,
            exit_code=module.exit_code,
            signal=module.signal,
            isolation=run.isolation,
            output=clip_output(module.output, module.output_bytes),
            wall=module.wall,
            interfered=module.interfered,
        )
        for module in run.modules
    ]


def run_jobs(executor: Executor, jobs: Iterable[Job]) -> Iterator[tuple[int, list[ModuleOutcome]]]:
    """Run ``jobs``; yields ``(job id, one outcome per module)`` as each job's modules are all accounted for.

    Each module runs in its own fresh process inside the job's confinement, so
    a crash, time-out or ``sys.exit`` costs that module alone. Only when the
    job's supervisor itself ended early (killed from a module at the
    ``process`` level, or by the backstop) are the modules it never reached
    run again in a fresh job; a job that could not be set up records that
    reason on each of its modules and costs no other job.
    """
    pending = list(jobs)
    origin = {job.job_id: job.job_id for job in pending}
    expected = {job.job_id: len(job.modules) for job in pending}
    collected: dict[int, list[ModuleOutcome]] = {}
    while pending:
        by_id = {job.job_id: job for job in pending}
        follow_ups = []
        for run in executor.run(pending):
            job = by_id[run.job_id]
            root = origin[job.job_id]
            outcomes = collected.setdefault(root, [])
            outcomes.extend(_outcomes(run, job))
            rest = job.modules[len(run.modules) :] if run.status != "sandbox_error" and run.modules else ()
            if rest:
                names = {f"{module.name}.py" for module in rest}
                follow_up = Job(next(_job_ids), {n: t for n, t in job.files.items() if n in names}, rest, job.limits)
                origin[follow_up.job_id] = root
                follow_ups.append(follow_up)
            elif len(outcomes) == expected[root]:
                yield root, collected.pop(root)
        pending = follow_ups


def _read_course_file(root: Path, relative: str) -> str:
    path = root / relative
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError([f"{relative}: cannot be read ({error.strerror}); course.yaml names it"]) from error


def mutant_path(exercise_id: str, name: str, file: str | None) -> str:
    return file or f"mutants/{exercise_id}/{name}.py"


def evaluate_baseline(server: Executor, root: Path, plan: Plan, with_mutants: bool = True) -> Baseline:
    """Run every solution (and mutant) on the plan's probes; a failing solution is a course error."""
    solutions = {p.id: _read_course_file(root, f"solutions/{p.id}.py") for p in plan.exercises}
    queue = jobs_for(solutions, plan.exercises, plan.course)
    mutant_of: dict[int, str] = {}
    if with_mutants:
        for exercise_plan in plan.exercises:
            for mutant in exercise_plan.exercise.mutants:
                source = _read_course_file(root, mutant_path(exercise_plan.id, mutant.name, mutant.file))
                (job,) = jobs_for({exercise_plan.id: source}, [exercise_plan], plan.course)
                mutant_of[job.job_id] = mutant.name
                queue.append(job)
    references: dict[str, Observations] = {}
    mutant_runs: dict[str, dict[str, Observations]] = {}
    problems = []
    for job_id, outcomes in run_jobs(server, queue):
        for outcome in outcomes:
            _raise_on_sandbox_failure(outcome)
            if job_id in mutant_of:
                mutant_runs.setdefault(outcome.name, {})[mutant_of[job_id]] = outcome.observations
                continue
            if not outcome.completed or outcome.import_error:
                problems.append(f"solutions/{outcome.name}.py: the reference solution did not run cleanly ({_run_summary(outcome)})")
            references[outcome.name] = outcome.observations
    if problems:
        raise CourseError(problems)
    mutants = {
        exercise_plan.id: tuple(
            MutantBehaviour(m.name, m.hint, mutant_runs.get(exercise_plan.id, {}).get(m.name, {})) for m in exercise_plan.exercise.mutants
        )
        for exercise_plan in plan.exercises
    }
    return Baseline(references=references, mutants=mutants)


def _run_summary(outcome: ModuleOutcome) -> str:
    if outcome.import_error:
        return f"import raised {outcome.import_error.get('type')}: {outcome.import_error.get('message')}"
    return f"status {outcome.status}, exit code {outcome.exit_code}; output: {outcome.output[-500:]}"


def _raise_on_sandbox_failure(outcome: ModuleOutcome) -> None:
    """The course's own solutions and mutants must run: without them nobody can be graded."""
    if outcome.status == "sandbox_error":
        raise SandboxError(f"the sandbox could not confine a worker: {outcome.sandbox_message or 'no message'}")


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


def describe_run_end(outcome: ModuleOutcome, plan: ExercisePlan) -> tuple[ExerciseStatus, str]:
    """How a module's worker ended, in words for the student; ``graded`` when it answered every probe."""
    limits = plan.limits
    if outcome.status == "sandbox_error":
        reason = outcome.sandbox_message or "no reason given"
        return "crashed", f"the grader could not set up the sandbox for this submission ({reason}); none of its code ran"
    if outcome.status == "timeout":
        return "timeout", f"stopped after {limits.time_limit:g} s (the time limit): an endless loop, or a very slow computation?"
    if outcome.status == "output_limit":
        printed_kb = limits.max_output_kb * protocol.OUTPUT_KILL_FACTOR
        return "output_limit", f"printed more than {printed_kb} KiB, the output limit: remove large prints"
    if outcome.status == "result_limit":
        return "crashed", "returned more data than the grader accepts"
    if outcome.completed:
        return "graded", ""
    if outcome.signal:
        name = _signal_name(outcome.signal)
        why = {
            "SIGSEGV": "a segmentation fault",
            "SIGKILL": "killed (a resource limit?)",
            "SIGXCPU": "the CPU time limit",
            "SIGABRT": "an abort",
        }
        return "crashed", f"the Python process crashed ({why.get(name, name)}) before every check ran"
    return "exited", f"your code ended the Python process (exit code {outcome.exit_code}) before every check ran"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _screened(exercise_plan: ExercisePlan, source: SourceFile | None) -> Evaluation | str:
    """The evaluation that needs no worker (not handed in, unreadable, a syntax error, forbidden autograd), or the source to run."""
    exercise_id = exercise_plan.id
    file_name = f"{exercise_id}.py"
    if source is None:
        return Evaluation(exercise_id, "missing", f"{file_name} was not handed in")
    if source.text is None:
        return Evaluation(exercise_id, "rejected", source.problem or f"{file_name} could not be read")
    if (problem := static_problem(file_name, source.text)) is not None:
        return Evaluation(exercise_id, "syntax_error", f"syntax error in {problem}")
    if exercise_plan.exercise.forbid_autograd and (use := autograd_use(file_name, source.text)) is not None:
        return Evaluation(exercise_id, "rejected", use)
    return source.text


def _evaluation(outcome: ModuleOutcome, exercise_plan: ExercisePlan) -> Evaluation:
    """One module's outcome in the student's terms: how it ended, and what it observed."""
    status, message = describe_run_end(outcome, exercise_plan)
    if outcome.import_error and status == "graded":
        message = describe_error(outcome.import_error, f"importing {outcome.name}.py")  # with the student's line: shown first
    return Evaluation(
        exercise=outcome.name,
        status=status,
        message=message,
        observations=outcome.observations,
        isolation=outcome.isolation,
        wall_seconds=outcome.wall,
        output=outcome.output,
        interfered=outcome.interfered,
    )


@dataclass
class _Waiting:
    """One submission from its screening to its last job: its plans, its evaluations so far, its jobs still out."""

    submission: Submission
    plans: dict[str, ExercisePlan]
    evaluations: dict[str, Evaluation]
    jobs_left: int


def _screen_submission(submission: Submission, plan: Plan) -> tuple[_Waiting, list[Job]]:
    """Evaluate in the trusted process what needs no worker; the rest becomes the submission's jobs."""
    evaluations: dict[str, Evaluation] = {}
    runnable: dict[str, str] = {}
    for exercise_plan in plan.exercises:
        screened = _screened(exercise_plan, submission.sources.get(exercise_plan.id))
        if isinstance(screened, Evaluation):
            evaluations[exercise_plan.id] = screened
        else:
            runnable[exercise_plan.id] = screened
    jobs = jobs_for(runnable, [p for p in plan.exercises if p.id in runnable]) if runnable else []
    return _Waiting(submission, {p.id: p for p in plan.exercises}, evaluations, len(jobs)), jobs


def evaluate_submissions(
    server: Executor,
    plan_of: Any,
    submissions: Iterable[Submission],
) -> Iterator[tuple[Submission, dict[str, Evaluation]]]:
    """Evaluate every submission, one worker each; yields each one when all its exercises are done.

    ``plan_of(submission) -> Plan`` lets every student have their own hidden inputs.
    Submissions that need no worker at all are yielded first, before any job runs.
    """
    waiting: list[_Waiting] = []
    owner: dict[int, _Waiting] = {}
    queue: list[Job] = []
    for submission in submissions:
        entry, jobs = _screen_submission(submission, plan_of(submission))
        waiting.append(entry)
        owner.update((job.job_id, entry) for job in jobs)
        queue.extend(jobs)
    for entry in waiting:
        if entry.jobs_left == 0:
            yield entry.submission, entry.evaluations
    for job_id, outcomes in run_jobs(server, queue):
        entry = owner.pop(job_id)
        for outcome in outcomes:
            entry.evaluations[outcome.name] = _evaluation(outcome, entry.plans[outcome.name])
        entry.jobs_left -= 1
        if entry.jobs_left == 0:
            yield entry.submission, entry.evaluations


__all__ = [
    "Baseline",
    "Evaluation",
    "ModuleOutcome",
    "describe_run_end",
    "evaluate_baseline",
    "evaluate_submissions",
    "jobs_for",
    "mutant_path",
    "run_jobs",
    "static_problem",
]
