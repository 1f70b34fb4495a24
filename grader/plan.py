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
import torch

from grader.course.schema import TENSOR_INPUT_KINDS, Case, Check, Course, Exercise, Limits, RandomCases, Tolerance
from grader.errors import CourseError
from grader.plot_plan import PlotRequest, plot_request
from grader.sandbox.sample_functions import SAMPLE_FUNCTIONS
from grader.sandbox.wire import encode, encode_tensor

DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "float16": Tolerance(rtol=1e-3, atol=1e-5),
    "bfloat16": Tolerance(rtol=1.6e-2, atol=1e-5),
    "float32": Tolerance(rtol=1.3e-6, atol=1e-5),
    "float64": Tolerance(rtol=1e-7, atol=1e-7),
}
"""``torch.testing.assert_close`` defaults, except float32/float64 atol loosened for values near 0
(a student's float32 ``cos`` at a random point can differ from the reference's by a few ulps)."""

RANDOM_KEYS = ("uniform", "normal", "randint", "choice")

FUNCTION_OPS = {
    "function_forward": "apply",
    "function_backward": "apply",
    "function_gradcheck": "jacobian",
    "function_double_backward": "second_order",
    "function_inplace": "inplace",
    "func_transforms": "transforms",
}
"""The worker operation behind each tensor-input kind (see :mod:`grader.sandbox.probes`)."""


@dataclass(frozen=True)
class SampleFunction:
    """``{function: name}`` in course.yaml: a function from the worker's fixed library, passed by name."""

    name: str

    def __repr__(self) -> str:
        return self.name


def _encode_argument(value: Any) -> dict[str, Any]:
    if isinstance(value, SampleFunction):
        return {"type": "function", "name": value.name}
    return encode(value)


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


@dataclass(frozen=True)
class ExercisePlan:
    exercise: Exercise
    checks: tuple[PlannedCheck, ...]
    limits: Limits
    tolerances: dict[str, Tolerance]
    plot: PlotRequest | None = None
    """The feedback plot's probe (:mod:`grader.plot_plan`); it runs after every check probe."""

    @property
    def id(self) -> str:
        return self.exercise.id

    def probes(self) -> list[dict[str, Any]]:
        probes = [{**case.probe, "id": case.probe_id} for check in self.checks for case in check.cases]
        return probes + ([dict(self.plot.probe)] if self.plot is not None else [])

    @property
    def max_points(self) -> float:
        return sum(check.check.points for check in self.checks)


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
                if solutions is not None and check.kind in TENSOR_INPUT_KINDS:
                    names = forward_parameters(solutions / f"{exercise.id}.py", check.entry)
                    planned = PlannedCheck(planned.exercise, planned.check, planned.cases, names)
                checks.append(planned)
            except ValueError as error:
                problems.append(f"course.yaml: exercise `{exercise.id}`, check `{check.name}`: {error}")
        limits = course.defaults.limits.model_copy(update=exercise.limits.model_dump(exclude_none=True))
        if time_limit is not None:
            limits = limits.model_copy(update={"time_limit": time_limit})
        tolerances = dict(DEFAULT_TOLERANCES)
        for source in (course.defaults.tolerance, exercise.tolerance):
            tolerances.update({dtype: tol for dtype, tol in source.model_dump(exclude_none=True).items()})
            tolerances = {k: v if isinstance(v, Tolerance) else Tolerance(**v) for k, v in tolerances.items()}
        plot = plot_request(exercise, limits.time_limit)
        plans.append(ExercisePlan(exercise=exercise, checks=tuple(checks), limits=limits, tolerances=tolerances, plot=plot))
    if problems:
        raise CourseError(problems)
    return Plan(course=course, seed=None if visible_only else seed, exercises=tuple(plans))


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
    function_kind = check.kind in TENSOR_INPUT_KINDS
    if function_kind:
        probe, shown_args = _tensor_probe(check, case, generator)
    else:
        args = [_resolve(value, generator, tensor=False) for value in case.args]
        kwargs = {key: _resolve(value, generator, tensor=False) for key, value in case.kwargs.items()}
        probe = {
            "op": "call",
            "entry": check.entry,
            "args": [_encode_argument(a) for a in args],
            "kwargs": {k: _encode_argument(v) for k, v in kwargs.items()},
            "repeat": check.repeat,
        }
        if check.backward:
            probe["backward"] = dict(check.backward)
        if check.observe_args:
            probe["observe_args"] = True
        shown_args = [_show(a) for a in args] + [f"{k}={_show(v)}" for k, v in kwargs.items()]
    if generator is None and check.visible:
        call = f"{check.entry}.apply" if check.kind in FUNCTION_OPS and check.kind != "func_transforms" else check.entry
        label = f"{call}({', '.join(shown_args)})"
        if check.kind in ("function_backward", "function_double_backward", "function_inplace"):
            label += " with upstream gradients " + ", ".join(_show_upstream(u) for u in case.upstreams)
    elif case.describe:
        label = case.describe
    else:
        label = "a hidden fixed input" if generator is None else f"random input {number + 1}"
    return PlannedCase(probe_id=probe_id, probe=probe, label=label)


def _tensor_probe(check: Check, case: Case | RandomCases, generator: np.random.Generator | None) -> tuple[dict[str, Any], list[str]]:
    """The probe of a kind fed tensors: a custom Function's ``inputs`` and ``extra``, or points for torch.func."""
    inputs = [_tensor_input(value, generator) for value in case.inputs]
    if not inputs:
        raise ValueError(f"a `{check.kind}` check needs `inputs`")
    if case.requires_grad is not None and len(case.requires_grad) != len(inputs):
        raise ValueError(f"`requires_grad` has {len(case.requires_grad)} entries for {len(inputs)} inputs")
    extra = [_resolve(value, generator, tensor=False) for value in case.extra]
    probe: dict[str, Any] = {
        "op": FUNCTION_OPS[check.kind],
        "entry": check.entry,
        "inputs": [encode_tensor(t) for t in inputs],
        "extra": [encode(e) for e in extra],
        "requires_grad": case.requires_grad or [True] * len(inputs),
    }
    needs_upstreams = check.kind in ("function_backward", "function_double_backward", "function_inplace")
    upstreams = [_upstream(value, generator) for value in case.upstreams] if needs_upstreams else []
    if needs_upstreams and not upstreams:
        raise ValueError(f"a `{check.kind}` check needs `upstreams`")
    if check.kind == "function_inplace" and (len(inputs) != 1 or len(upstreams) != 1):
        raise ValueError("a `function_inplace` case takes one input and one upstream gradient")
    if check.kind == "func_transforms" and (len(inputs) != 1 or extra):
        raise ValueError("a `func_transforms` case takes one input (a 0-d or 1-d tensor of points) and no `extra`")
    probe["upstreams"] = upstreams
    if check.kind == "function_gradcheck":
        probe["eps"] = check.eps
    if check.count_ops:
        probe["count_ops"] = list(check.count_ops)
    if check.kind == "func_transforms":
        probe["transforms"] = list(check.transforms)
    shown = [_show(t) for t in inputs] + [_show(_resolve(v, None, tensor=False)) for v in case.extra] if generator is None else []
    return probe, shown


def _resolve(value: Any, generator: np.random.Generator | None, tensor: bool) -> Any:
    """A YAML value spec -> a Python value or tensor."""
    if isinstance(value, dict):
        keys = set(value)
        if "function" in keys:
            name = value["function"]
            if keys != {"function"} or name not in SAMPLE_FUNCTIONS:
                raise ValueError(f"`{{function: {name}}}` names no sample function (known: {', '.join(sorted(SAMPLE_FUNCTIONS))})")
            return SampleFunction(str(name))
        if "tensor" in keys:
            unknown = keys - {"tensor", "dtype", "requires_grad"}
            if unknown:
                raise ValueError(f"unknown keys {sorted(unknown)} in a tensor spec (expected `tensor`, `dtype`, `requires_grad`)")
            result = torch.tensor(value["tensor"], dtype=_dtype(value.get("dtype", "float64")))
            return result.requires_grad_(True) if value.get("requires_grad") else result
        random_keys = keys & set(RANDOM_KEYS)
        if random_keys:
            if generator is None:
                raise ValueError(f"random spec {value} is only allowed under `random:` in a hidden check")
            return _draw(value, generator, tensor)
        raise ValueError(
            f"cannot read the value spec {value}: expected a number, a list, {{tensor: ...}} or a random spec ({', '.join(RANDOM_KEYS)})"
        )
    if isinstance(value, list):
        return [_resolve(item, generator, tensor) for item in value]
    return value


def _draw(spec: dict[str, Any], generator: np.random.Generator, tensor: bool) -> Any:
    allowed = {"uniform", "normal", "randint", "choice", "shape", "dtype"}
    unknown = set(spec) - allowed
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in a random spec (expected one of {sorted(allowed)})")
    shape = spec.get("shape")
    size = tuple(shape) if shape is not None else None
    if "uniform" in spec:
        low, high = spec["uniform"]
        drawn: Any = generator.uniform(low, high, size=size)
    elif "normal" in spec:
        mean, std = spec["normal"]
        drawn = generator.normal(mean, std, size=size)
    elif "randint" in spec:
        low, high = spec["randint"]
        drawn = generator.integers(low, high, size=size, endpoint=True)
    else:
        options = spec["choice"]
        return options[int(generator.integers(0, len(options)))]
    if size is not None or tensor:
        dtype = _dtype(spec.get("dtype", "float64" if "randint" not in spec else "int64"))
        return torch.tensor(np.asarray(drawn), dtype=dtype)
    return float(drawn) if "randint" not in spec else int(drawn)


def _dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, str(name), None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"unknown dtype `{name}` (expected e.g. float32 or float64)")
    return dtype


def _tensor_input(value: Any, generator: np.random.Generator | None) -> torch.Tensor:
    resolved = _resolve(value, generator, tensor=True)
    if isinstance(resolved, torch.Tensor):
        return resolved.detach().to(torch.float64) if not resolved.is_floating_point() else resolved.detach()
    return torch.tensor(resolved, dtype=torch.float64)


def _upstream(value: Any, generator: np.random.Generator | None) -> dict[str, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"fill": float(value)}
    resolved = _resolve(value, generator, tensor=False)
    if isinstance(resolved, (int, float)):
        return {"fill": float(resolved)}
    tensor = resolved if isinstance(resolved, torch.Tensor) else torch.tensor(resolved, dtype=torch.float64)
    return encode_tensor(tensor.to(torch.float64))


def _show(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor({value.tolist()}, dtype={str(value.dtype).removeprefix('torch.')})"
    return repr(value)


def _show_upstream(value: Any) -> str:
    return repr(value) if not isinstance(value, dict) else "a tensor"


__all__ = [
    "DEFAULT_TOLERANCES",
    "ExercisePlan",
    "MutantBehaviour",
    "Observations",
    "Plan",
    "PlannedCase",
    "PlannedCheck",
    "SampleFunction",
    "build_plan",
    "forward_parameters",
    "worker_limits",
]
