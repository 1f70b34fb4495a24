"""Course + seed -> concrete checks: the only place randomness happens.

Every case becomes a probe request with fully encoded inputs, so evaluating,
judging and reporting are deterministic and reproducible from the seed. The
probes carry no expected values and no check names: a worker sees opaque ids
and inputs only.
"""

from __future__ import annotations

import ast
import functools
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.course.kinds import KIND_SPECS
from grader.course.schema import Case, Check, Course, Exercise, Limits, RandomCases, Tolerance
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.errors import CourseError
from grader.plan_values import SampleFunction, encode_argument, resolve, show, show_upstream, tensor_input, upstream
from grader.plot_plan import PlotRequest, plot_request
from grader.results import CheckResult
from grader.sandbox.jobs import Job, Module
from grader.sandbox.wire import encode, encode_tensor

Observations = dict[str, dict[str, Any]]
"""What a worker answered, by probe id: untrusted plain data (:mod:`grader.sandbox.wire`), judged later."""


@dataclass(frozen=True)
class MutantBehaviour:
    """What a declared mutant did on the plan's probes, and the hint it earns (part of the baseline)."""

    name: str
    hint: str
    observations: Observations


@dataclass(frozen=True)
class PlannedCase:
    """One input of one check, ready for a worker."""

    probe_id: str
    probe: dict[str, Any]
    label: str
    """How feedback names this input: the call itself when visible, a description when hidden."""


@dataclass(frozen=True)
class PlannedCheck:
    exercise: str
    check: Check
    cases: tuple[PlannedCase, ...]
    input_names: tuple[str, ...] = ()
    """The entry Function's forward parameters after ``ctx``, from the reference solution; empty when unknown."""

    @property
    def name(self) -> str:
        return self.check.name

    def not_graded(self, message: str) -> CheckResult:
        """This check's record when no verdict exists (its worker ended first, or the judge could not run): no points, and why."""
        return CheckResult(
            exercise=self.exercise,
            name=self.check.name,
            visible=self.check.visible,
            points=0.0,
            max_points=self.check.points,
            status="not_graded",
            message=message,
            description=self.check.description or "",
        )


@dataclass(frozen=True)
class ExercisePlan:
    exercise: Exercise
    checks: tuple[PlannedCheck, ...]
    limits: Limits
    """The effective limits: the course's, with ``--time-limit`` in place of its time limit when given."""
    tolerances: dict[str, Tolerance]
    plot: PlotRequest | None = None
    """The feedback plot's probe (:mod:`grader.plot_plan`); it runs after every check probe."""
    course_limits: Limits | None = None
    """The limits as course.yaml sets them (defaults with the exercise's overrides); ``None``: the same as ``limits``."""

    @property
    def id(self) -> str:
        return self.exercise.id

    def probes(self) -> list[dict[str, Any]]:
        probes = [{**case.probe, "id": case.probe_id} for check in self.checks for case in check.cases]
        return probes + ([dict(self.plot.probe)] if self.plot is not None else [])

    @property
    def max_points(self) -> float:
        return sum(check.check.points for check in self.checks)

    @property
    def course_time_limit(self) -> float:
        """The exercise's time limit as course.yaml sets it, whatever ``--time-limit`` says."""
        return (self.course_limits or self.limits).time_limit

    def module(self, probes: list[dict[str, Any]] | None = None, time_limit: float | None = None) -> Module:
        """This exercise's file as one module of a worker: the plan's probes (or ``probes``) under its time limit."""
        return Module(name=self.id, probes=self.probes() if probes is None else probes, time_limit=time_limit or self.limits.time_limit)

    def job(self, job_id: int, source: str, probes: list[dict[str, Any]]) -> Job:
        """A worker of its own for ``probes`` on the student's ``source`` of this exercise, under the exercise's limits."""
        return Job(job_id, {f"{self.id}.py": source}, (self.module(probes),), worker_limits(self.limits))


@dataclass(frozen=True)
class Plan:
    course: Course
    seed: int | None
    """``None`` for a visible-only plan (what students run)."""
    exercises: tuple[ExercisePlan, ...]

    def exercise(self, exercise_id: str) -> ExercisePlan:
        for plan in self.exercises:
            if plan.id == exercise_id:
                return plan
        raise KeyError(exercise_id)


def build_plan(
    course: Course, seed: int | None, visible_only: bool = False, time_limit: float | None = None, solutions: Path | None = None
) -> Plan:
    """Plan every exercise; ``visible_only`` drops hidden checks (``grade check``, the release).

    ``solutions``: the course's reference solutions folder, read (never run) to name a
    Function's inputs in feedback; without it (a student release) inputs are named by position.
    """
    problems: list[str] = []
    plans = []
    for exercise in course.exercises:
        checks = []
        for index, check in enumerate(exercise.checks):
            if visible_only and not check.visible:
                continue
            try:
                planned = _plan_check(exercise, index, check, seed)
                if solutions is not None and KIND_SPECS[check.kind].tensor_inputs:
                    names = forward_parameters(solutions / f"{exercise.id}.py", check.entry)
                    planned = PlannedCheck(planned.exercise, planned.check, planned.cases, names)
                checks.append(planned)
            except ValueError as error:
                problems.append(f"course.yaml: exercise `{exercise.id}`, check `{check.name}`: {error}")
        plans.append(_exercise_plan(course, exercise, tuple(checks), time_limit))
    if problems:
        raise CourseError(problems)
    return Plan(course=course, seed=None if visible_only else seed, exercises=tuple(plans))


def _exercise_plan(course: Course, exercise: Exercise, checks: tuple[PlannedCheck, ...], time_limit: float | None) -> ExercisePlan:
    """The exercise's limits (the course's own and the effective ones), tolerances and plot around its planned checks."""
    course_limits = course.defaults.limits.model_copy(update=exercise.limits.model_dump(exclude_none=True))
    limits = course_limits if time_limit is None else course_limits.model_copy(update={"time_limit": time_limit})
    tolerances = dict(DEFAULT_TOLERANCES)
    for source in (course.defaults.tolerance, exercise.tolerance):
        tolerances.update({dtype: tol for dtype, tol in source.model_dump(exclude_none=True).items()})
        tolerances = {k: v if isinstance(v, Tolerance) else Tolerance(**v) for k, v in tolerances.items()}
    plot = plot_request(exercise, limits.time_limit)
    return ExercisePlan(exercise, checks, limits, tolerances, plot, course_limits)


def worker_limits(limits: Limits) -> dict[str, Any]:
    """What the sandbox applies to a worker: the limits its modules share (:attr:`grader.sandbox.client.Job.limits`).

    Each module keeps its own time limit; the evaluator and a custom check's
    :class:`~grader.checks.plugin.StudentHandle` both build jobs with this.
    """
    return limits.model_dump(exclude={"time_limit"})


@functools.lru_cache(maxsize=256)
def forward_parameters(path: Path, entry: str) -> tuple[str, ...]:
    """The parameters of ``entry.forward`` after ``ctx`` in the trusted file at ``path``, read with ast; ``()`` when not found.

    ``ctx.needs_input_grad[i]`` follows these, so feedback can say `weight` rather than
    "the second argument". Only the course's own solution is read: a name shown to a
    student never comes from a submission.
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == entry:
            methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
            if "forward" not in methods:
                return ()
            forward = methods["forward"].args
            names = [arg.arg for arg in (*forward.posonlyargs, *forward.args)]
            return tuple(names if "setup_context" in methods else names[1:])  # without setup_context, forward takes ctx
    return ()


def _plan_check(exercise: Exercise, index: int, check: Check, seed: int | None) -> PlannedCheck:
    # Ids are stable across the instructor's course and the student release (which drops hidden checks),
    # and opaque to the worker: a hash of the check's name, not the name.
    prefix = f"{zlib.crc32(f'{exercise.id}/{check.name}'.encode()):08x}"
    planned = [_plan_case(check, case, f"{prefix}.{number}", None) for number, case in enumerate(check.cases)]
    if check.random is not None and seed is not None:
        generator = np.random.default_rng([seed, zlib.crc32(f"{exercise.id}/{check.name}".encode())])
        for number in range(check.random.count):
            probe_id = f"{prefix}.r{number}"
            planned.append(_plan_case(check, check.random, probe_id, generator, number))
    return PlannedCheck(exercise=exercise.id, check=check, cases=tuple(planned))


def _plan_case(
    check: Check,
    case: Case | RandomCases,
    probe_id: str,
    generator: np.random.Generator | None,
    number: int = 0,
) -> PlannedCase:
    spec = KIND_SPECS[check.kind]
    if spec.tensor_inputs:
        probe, shown_args = _tensor_probe(check, case, generator)
    else:
        args = [resolve(value, generator, tensor=False) for value in case.args]
        kwargs = {key: resolve(value, generator, tensor=False) for key, value in case.kwargs.items()}
        probe = call_probe(check.entry, args, kwargs, check.repeat)
        if check.backward:
            probe["backward"] = dict(check.backward)
        if check.observe_args:
            probe["observe_args"] = True
        shown_args = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    if generator is None and check.visible:
        call = f"{check.entry}.apply" if spec.function else check.entry
        label = f"{call}({', '.join(shown_args)})"
        if spec.upstreams:
            label += " with upstream gradients " + ", ".join(show_upstream(u) for u in case.upstreams)
    elif case.describe:
        label = case.describe
    else:
        label = "a hidden fixed input" if generator is None else f"random input {number + 1}"
    return PlannedCase(probe_id=probe_id, probe=probe, label=label)


def call_probe(entry: str, args: list[Any], kwargs: dict[str, Any], repeat: int = 1) -> dict[str, Any]:
    """The ``call`` probe: ``entry(*args, **kwargs)``, ``repeat`` times; a plan's checks and instructor tests build it alike."""
    return {
        "op": "call",
        "entry": entry,
        "args": [encode_argument(a) for a in args],
        "kwargs": {k: encode_argument(v) for k, v in kwargs.items()},
        "repeat": repeat,
    }


def _tensor_probe(check: Check, case: Case | RandomCases, generator: np.random.Generator | None) -> tuple[dict[str, Any], list[str]]:
    """The probe of a kind fed tensors: a custom Function's ``inputs`` and ``extra``, or points for torch.func.

    The case's shape (inputs given, one upstream where the kind takes one...) was checked with the course.
    """
    spec = KIND_SPECS[check.kind]
    inputs = [tensor_input(value, generator) for value in case.inputs]
    extra = [resolve(value, generator, tensor=False) for value in case.extra]
    probe: dict[str, Any] = {
        "op": spec.probe,
        "entry": check.entry,
        "inputs": [encode_tensor(t) for t in inputs],
        "extra": [encode(e) for e in extra],
        "requires_grad": case.requires_grad or [True] * len(inputs),
        "upstreams": [upstream(value, generator) for value in case.upstreams] if spec.upstreams else [],
    }
    for key in spec.probe_fields:
        value = getattr(check, key)
        if value:
            probe[key] = list(value) if isinstance(value, list) else value
    shown = [show(t) for t in inputs] + [show(resolve(v, None, tensor=False)) for v in case.extra] if generator is None else []
    return probe, shown


__all__ = [
    "ExercisePlan",
    "MutantBehaviour",
    "Observations",
    "Plan",
    "PlannedCase",
    "PlannedCheck",
    "SampleFunction",
    "build_plan",
    "call_probe",
    "forward_parameters",
    "worker_limits",
]
