"""The shape of ``course.yaml``, validated once at the boundary.

Every model forbids unknown keys so that a misspelt ``atol`` is an error with a
"did you mean" instead of a silently ignored setting. Downstream code never
re-checks the YAML: it reads these models (or the frozen plan built from them).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.course.kinds import KIND_SPECS, kinds_with
from grader.course.value_specs import fixed_value, random_value

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
PYTHON_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

if TYPE_CHECKING:
    CheckKind = str
else:
    CheckKind = Literal[tuple(KIND_SPECS)]
"""The built-in check kinds: the names of :data:`grader.course.kinds.KIND_SPECS`, one entry per kind."""

FUNCTION_KINDS: frozenset[str] = frozenset(name for name, spec in KIND_SPECS.items() if spec.function)
"""Kinds whose ``entry`` is a ``torch.autograd.Function`` fed ``inputs`` (tensors) and ``extra`` (other arguments)."""

TENSOR_INPUT_KINDS: frozenset[str] = frozenset(name for name, spec in KIND_SPECS.items() if spec.tensor_inputs)
"""Kinds whose cases give ``inputs`` (tensor specs) instead of ``args``."""

FixedValue = Annotated[Any, AfterValidator(fixed_value)]
"""A value of a fixed case (:mod:`grader.course.value_specs`)."""
RandomValue = Annotated[Any, AfterValidator(random_value)]
"""A value of a hidden check's ``random:`` cases, where random specs are allowed."""

ObservedArg = Literal["value", "version", "grad", "requires_grad"]
Transform = Literal["grad", "grad_grad", "vmap", "vmap_grad"]


def _all_transforms() -> list[Transform]:
    return ["grad", "grad_grad", "vmap", "vmap_grad"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """``torch.testing.assert_close`` semantics: ``|a - b| <= atol + rtol * |b|``."""

    rtol: float = Field(ge=0)
    atol: float = Field(ge=0)


class Tolerances(_Strict):
    """Tolerances per dtype family; a missing entry falls back to the built-in table."""

    float16: Tolerance | None = None
    bfloat16: Tolerance | None = None
    float32: Tolerance | None = None
    float64: Tolerance | None = None


class Limits(_Strict):
    """Resources one worker (one submission x one exercise) may use."""

    time_limit: float = Field(default=20.0, gt=0, le=3600, description="wall-clock seconds")
    memory_limit_mb: int = Field(default=2048, ge=64, le=65536, description="address space budget beyond the warm interpreter")
    max_processes: int = Field(default=64, ge=1, le=4096)
    max_output_kb: int = Field(
        default=1024,
        ge=1,
        le=1048576,
        description="stdout+stderr kept per exercise; more is dropped, and the exercise is stopped only past 16 times this",
    )


class LimitsOverride(_Strict):
    """Per-exercise overrides of :class:`Limits`."""

    time_limit: float | None = Field(default=None, gt=0, le=3600)
    memory_limit_mb: int | None = Field(default=None, ge=64, le=65536)
    max_processes: int | None = Field(default=None, ge=1, le=4096)
    max_output_kb: int | None = Field(default=None, ge=1, le=1048576)


class Defaults(_Strict):
    limits: Limits = Limits()
    tolerance: Tolerances = Tolerances()
    max_submission_kb: int = Field(
        default=4096, ge=1, le=65536, description="all of one submission's exercise code together; a larger submission is not graded"
    )


class Case(_Strict):
    """One fixed input for a check.

    ``args``/``kwargs`` are passed to the entry point (``value``, ``graph``,
    ``figure``); ``inputs``/``extra``/``upstreams`` feed a custom
    ``autograd.Function`` (the ``function_*`` kinds). Values may be plain YAML
    numbers and lists (ints stay ints: students must cast), ``{tensor: ...,
    dtype: ...}`` or, in hidden checks, random specs such as ``{uniform: [lo, hi]}``.
    """

    args: list[FixedValue] = Field(default_factory=list)
    kwargs: dict[str, FixedValue] = Field(default_factory=dict)
    inputs: list[FixedValue] = Field(default_factory=list)
    extra: list[FixedValue] = Field(default_factory=list)
    upstreams: list[FixedValue] = Field(default_factory=list)
    requires_grad: list[bool] | None = Field(default=None, description="function kinds: per input (default: all true)")
    describe: str | None = Field(default=None, description="how feedback names this input, e.g. 'a random 3x4 input'")


class RandomCases(_Strict):
    """``count`` cases drawn from the course's hidden seed (hidden checks only)."""

    count: int = Field(ge=1, le=100)
    args: list[RandomValue] = Field(default_factory=list)
    kwargs: dict[str, RandomValue] = Field(default_factory=dict)
    inputs: list[RandomValue] = Field(default_factory=list)
    extra: list[RandomValue] = Field(default_factory=list)
    upstreams: list[RandomValue] = Field(default_factory=list)
    requires_grad: list[bool] | None = None
    describe: str | None = None


class Check(_Strict):
    """A named, pointed property of one exercise, judged against the reference."""

    name: Annotated[str, Field(pattern=IDENTIFIER)]
    kind: CheckKind
    entry: Annotated[str, Field(pattern=PYTHON_NAME)]
    points: float = Field(gt=0)
    visible: bool = False
    description: str | None = None
    cases: list[Case] = Field(default_factory=list)
    random: RandomCases | None = None
    repeat: int = Field(default=1, ge=1, le=10, description="calls per case in one worker; all must match")
    backward: dict[str, str] | None = Field(default=None, description="graph kind: {of: key, grad_of: key}")
    eps: float = Field(default=1e-6, gt=0, description="function_gradcheck finite-difference step")
    raises: bool = Field(default=False, description="value, function_forward: the reference raises here, so must the student")
    observe_args: list[ObservedArg] = Field(
        default_factory=list,
        description="value: compare tensor arguments after the call (value, version counter, .grad, requires_grad + is_leaf)",
    )
    count_ops: list[Annotated[str, Field(pattern=IDENTIFIER)]] = Field(
        default_factory=list, description="function_backward: aten operators counted during backward, e.g. [mm, addmm]"
    )
    transforms: list[Transform] = Field(
        default_factory=_all_transforms, min_length=1, description="func_transforms: which torch.func transforms"
    )

    @model_validator(mode="after")
    def _has_cases(self) -> Check:
        if not self.cases and self.random is None:
            raise ValueError("a check needs `cases`, `random` or both")
        if self.visible and self.random is not None:
            raise ValueError("a visible check cannot use `random`: its inputs would have to be released with the seed")
        for key in ("raises", "observe_args", "count_ops", "backward"):
            kinds = kinds_with(key)
            if getattr(self, key) and self.kind not in kinds:
                raise ValueError(f"`{key}` only applies to kind {' or '.join(f'`{k}`' for k in kinds)}")
        if self.raises and self.repeat > 1:
            raise ValueError("`raises` checks call once: drop `repeat`")
        if self.backward is not None and set(self.backward) != {"of", "grad_of"}:
            raise ValueError("`backward` takes exactly the keys `of` and `grad_of`")
        if KIND_SPECS[self.kind].tensor_inputs:
            named: list[tuple[str, Case | RandomCases]] = [(f"cases[{number}]", case) for number, case in enumerate(self.cases)]
            for where, case in [*named, *([("random", self.random)] if self.random is not None else [])]:
                _check_tensor_case(self.kind, where, case)
        return self


def _check_tensor_case(kind: str, where: str, case: Case | RandomCases) -> None:
    """The shape a tensor-input kind's case must have (:class:`grader.course.kinds.KindSpec`)."""
    spec = KIND_SPECS[kind]
    if not case.inputs:
        raise ValueError(f"{where}: a `{kind}` check needs `inputs`, found none")
    if case.requires_grad is not None and len(case.requires_grad) != len(case.inputs):
        raise ValueError(f"{where}: expected one `requires_grad` entry per input ({len(case.inputs)}), found {len(case.requires_grad)}")
    if spec.upstreams and not case.upstreams:
        raise ValueError(f"{where}: a `{kind}` check needs `upstreams`, found none")
    broken = (
        (spec.one_input and len(case.inputs) != 1)
        or (spec.one_upstream and len(case.upstreams) != 1)
        or (not spec.takes_extra and bool(case.extra))
    )
    if broken:
        raise ValueError(f"{where}: {spec.case_shape}")


class Mutant(_Strict):
    """A known wrong implementation whose behaviour earns its hint."""

    name: Annotated[str, Field(pattern=IDENTIFIER)]
    hint: str = Field(min_length=1)
    file: str | None = Field(default=None, description="default: mutants/<exercise>/<name>.py")


class ReleasedStatement(_Strict):
    """A statement of the solution the student release may show, and why it cannot be avoided.

    The release (stubs, released ``course.yaml``, expected values) must not hand out the
    solution; a statement listed here is exempt, e.g. a line of a provided training loop
    that the solution repeats. Compared after ``ast.unparse``, so spacing does not matter.
    """

    statement: str = Field(min_length=1, description="one Python statement, as in the solution")
    why: str = Field(min_length=1, description="why the release has to show it")

    @field_validator("statement")
    @classmethod
    def _one_statement(cls, statement: str) -> str:
        try:
            body = ast.parse(statement).body
        except SyntaxError as error:
            raise ValueError(f"not a Python statement: {error.msg}") from None
        if len(body) != 1:
            raise ValueError(f"one statement expected, found {len(body)}")
        return ast.unparse(body[0])


class Exercise(_Strict):
    id: Annotated[str, Field(pattern=IDENTIFIER)]
    title: str = Field(min_length=1)
    description: str = Field(min_length=1, description="markdown shown to students")
    entry_points: list[Annotated[str, Field(pattern=PYTHON_NAME)]] = Field(min_length=1)
    checks: list[Check] = Field(min_length=1)
    mutants: list[Mutant] = Field(default_factory=list)
    limits: LimitsOverride = LimitsOverride()
    tolerance: Tolerances = Tolerances()
    forbid_autograd: bool = Field(default=False, description="static check: no autograd in this exercise")
    cpu_budget_ms: float = Field(
        default=100.0, gt=0, le=60_000, description="`grade validate`: CPU time the reference solution may spend on all checks"
    )
    release_whitelist: list[ReleasedStatement] = Field(
        default_factory=list, description="solution statements the student release may show (never released itself)"
    )

    @field_validator("checks")
    @classmethod
    def _unique_check_names(cls, checks: list[Check]) -> list[Check]:
        _reject_duplicates([c.name for c in checks], "check name")
        return checks

    @field_validator("mutants")
    @classmethod
    def _unique_mutant_names(cls, mutants: list[Mutant]) -> list[Mutant]:
        _reject_duplicates([m.name for m in mutants], "mutant name")
        return mutants

    @model_validator(mode="after")
    def _entries_declared(self) -> Exercise:
        for check in self.checks:
            if check.entry not in self.entry_points:
                raise ValueError(f"check `{check.name}` uses entry `{check.entry}`, which is not in entry_points {self.entry_points}")
        return self

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)


class LatePolicy(_Strict):
    """When the work is due and what lateness costs (``docs/instructor-features.md``); grading itself ignores it."""

    due: AwareDatetime = Field(description="ISO 8601 with a UTC offset, e.g. 2026-12-01T23:59:00+01:00")
    grace_minutes: float = Field(default=0, ge=0, le=10080, description="this long after the deadline still counts as on time")
    penalty_percent: float = Field(default=0, ge=0, le=100, description="of the points earned, per started day or hour late")
    per: Literal["day", "hour"] = "day"
    max_penalty_percent: float = Field(default=100, ge=0, le=100, description="the penalty never exceeds this")
    extensions: str | None = Field(default=None, description="CSV `submission,due` of per-student deadlines, relative to course.yaml")
    timestamps: str | None = Field(
        default=None, description="CSV `submission,submitted`; default: nbgrader's timestamp.txt, else the files' modification times"
    )


class Course(_Strict):
    course: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: str = Field(min_length=1)
    seed: int = Field(ge=0, description="hidden-input seed; never released")
    defaults: Defaults = Defaults()
    checks_dir: str | None = Field(default=None, description="folder of instructor pytest files (hidden)")
    released: bool = Field(default=False, description="a student bundle: no solutions; expected values ship in .grader/expected.json")
    exercises: list[Exercise] = Field(min_length=1)
    deadline: LatePolicy | None = Field(default=None, description="a deadline and late policy (penalties after grading)")

    @field_validator("exercises")
    @classmethod
    def _unique_exercise_ids(cls, exercises: list[Exercise]) -> list[Exercise]:
        _reject_duplicates([e.id for e in exercises], "exercise id")
        return exercises

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)


def _reject_duplicates(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what} `{name}`")
        seen.add(name)


def field_names(model: type[BaseModel]) -> list[str]:
    """Keys a mapping for ``model`` may hold, for "did you mean" suggestions."""
    return list(model.model_fields)


__all__ = [
    "Case",
    "Check",
    "CheckKind",
    "Course",
    "Defaults",
    "Exercise",
    "FUNCTION_KINDS",
    "TENSOR_INPUT_KINDS",
    "Limits",
    "LimitsOverride",
    "Mutant",
    "RandomCases",
    "ReleasedStatement",
    "Tolerance",
    "Tolerances",
    "field_names",
]
