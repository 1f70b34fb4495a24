"""Fast unit tests of the pure parts, without the sandbox: compare, the wire format, the plan."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.compare import compare
from grader.course.load import load_course
from grader.course.schema import Course, Tolerance
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plan import Plan, build_plan
from grader.sandbox.wire import WireError, decode_tensor, encode, encode_tensor
from grader.seeds import student_seed

REPO = Path(__file__).resolve().parents[1]


def t(values: Any, dtype: torch.dtype = torch.float64) -> dict[str, Any]:
    return encode_tensor(torch.tensor(values, dtype=dtype))


# ---------------------------------------------------------------- compare


def test_compare_names_a_shape_mismatch() -> None:
    mismatch = compare(t([1.0, 2.0, 3.0]), t([[1.0, 2.0], [3.0, 4.0]]), DEFAULT_TOLERANCES)
    assert mismatch is not None
    assert mismatch.kind == "shape"
    assert "(3,)" in mismatch.message and "(2, 2)" in mismatch.message


def test_compare_does_not_broadcast() -> None:
    mismatch = compare(t(1.0), t([1.0]), DEFAULT_TOLERANCES)
    assert mismatch is not None and mismatch.kind == "shape"


def test_compare_nan_equals_nan_in_tensors() -> None:
    nan = float("nan")
    assert compare(t([nan, 1.0]), t([nan, 1.0]), DEFAULT_TOLERANCES) is None


def test_compare_nan_equals_nan_in_plain_floats() -> None:
    assert compare(encode(float("nan")), encode(float("nan")), DEFAULT_TOLERANCES) is None


def test_compare_nan_differs_from_every_number() -> None:
    nan = float("nan")
    assert compare(t([nan, 1.0]), t([1.0, 1.0]), DEFAULT_TOLERANCES) is not None
    assert compare(t([1.0, 1.0]), t([nan, 1.0]), DEFAULT_TOLERANCES) is not None
    assert compare(t([nan]), t([math.inf]), DEFAULT_TOLERANCES) is not None
    assert compare(encode(float("nan")), encode(0.0), DEFAULT_TOLERANCES) is not None
    assert compare(encode(0.0), encode(float("nan")), DEFAULT_TOLERANCES) is not None


def test_compare_int_tensor_against_float_tensor_names_the_dtype() -> None:
    mismatch = compare(t([1, 2], torch.int64), t([1.0, 2.0], torch.float32), DEFAULT_TOLERANCES)
    assert mismatch is not None
    assert mismatch.kind == "dtype"
    assert "int64" in mismatch.message and "float32" in mismatch.message
    assert "floating point" in mismatch.message


def test_compare_takes_the_tolerance_of_the_reference_dtype_never_the_students() -> None:
    expected = t([1.0], torch.float32)
    assert compare(t([1.0 + 5e-7]), expected, DEFAULT_TOLERANCES) is None
    assert compare(t([1.0 + 5e-7]), t([1.0]), DEFAULT_TOLERANCES) is not None
    assert compare(t([1.0 + 5e-3], torch.bfloat16), t([1.0]), DEFAULT_TOLERANCES) is not None  # within bfloat16's own rtol
    assert compare(t([1.0 + 5e-4], torch.float16), t([1.0], torch.float32), DEFAULT_TOLERANCES) is not None


@pytest.mark.parametrize(
    ("tolerance", "expected", "inside", "outside"),
    [
        (Tolerance(rtol=0, atol=0.5), 1.0, 1.5, 1.5 + 1e-9),
        (Tolerance(rtol=0.25, atol=0), 2.0, 2.5, 2.5 + 1e-9),
        (Tolerance(rtol=0.25, atol=0.5), -2.0, -3.0, -3.0 - 1e-9),
    ],
)
def test_compare_tolerance_boundary_is_inclusive(tolerance: Tolerance, expected: float, inside: float, outside: float) -> None:
    tolerances = {**DEFAULT_TOLERANCES, "float64": tolerance}
    assert compare(t(inside), t(expected), tolerances) is None
    mismatch = compare(t(outside), t(expected), tolerances)
    assert mismatch is not None and mismatch.kind == "value"


def test_mismatch_reveals_expected_value_only_when_asked() -> None:
    mismatch = compare(t([4.0, 1.0]), t([12.5, 1.0]), DEFAULT_TOLERANCES)
    assert mismatch is not None
    hidden = mismatch.describe(reveal=False)
    shown = mismatch.describe(reveal=True)
    assert "got 4" in hidden and "index (0,)" in hidden
    assert "12.5" not in hidden and "expected" not in hidden
    assert "12.5" in shown and "expected" in shown


def test_mismatch_names_where_in_a_nested_value() -> None:
    actual = encode({"x": torch.tensor(1.0), "y": (torch.tensor(2.0), torch.tensor(3.0))})
    expected = encode({"x": torch.tensor(1.0), "y": (torch.tensor(2.0), torch.tensor(-3.0))})
    mismatch = compare(actual, expected, DEFAULT_TOLERANCES)
    assert mismatch is not None
    assert mismatch.where == "['y'][1]"
    assert mismatch.describe(False).startswith("['y'][1]: ")


# ---------------------------------------------------------------- the wire format


WIRE_DTYPES = {np.dtype("float64"): torch.float64, np.dtype("float32"): torch.float32, np.dtype("int64"): torch.int64}


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from(sorted(WIRE_DTYPES, key=str)),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5),
    )
)
def test_wire_round_trips_tensors_bit_for_bit(array: np.ndarray) -> None:
    tensor = torch.from_numpy(array.copy())
    record = encode_tensor(tensor)
    assert record["type"] == "tensor"
    decoded = decode_tensor(record)
    assert decoded.dtype == WIRE_DTYPES[array.dtype]
    assert tuple(decoded.shape) == array.shape
    assert decoded.numpy().tobytes() == array.tobytes()


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_wire_round_trips_empty_tensors(shape: tuple[int, ...]) -> None:
    decoded = decode_tensor(encode_tensor(torch.zeros(shape)))
    assert tuple(decoded.shape) == shape and decoded.dtype == torch.float32


def test_wire_encodes_an_empty_tensor_made_from_numpy() -> None:
    tensor = torch.from_numpy(np.zeros(0, dtype=np.float32))
    decoded = decode_tensor(encode_tensor(tensor))
    assert tuple(decoded.shape) == (0,)


def test_wire_keeps_autograd_facts() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    assert encode_tensor(x)["is_leaf"] is True and encode_tensor(x)["requires_grad"] is True
    assert encode_tensor(y)["is_leaf"] is False and encode_tensor(y)["grad_fn"] == "PowBackward0"
    assert decode_tensor(encode_tensor(y)).item() == 4.0


class SneakyTensor(torch.Tensor):
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return True

    __hash__ = torch.Tensor.__hash__


class Liar:
    def __eq__(self, other: object) -> bool:
        return True

    def __float__(self) -> float:
        return 18.0

    def __hash__(self) -> int:
        return 0


class LyingFloat(float):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


@pytest.mark.parametrize(
    "value",
    [torch.zeros(3).as_subclass(SneakyTensor), Liar(), LyingFloat(1.0), [torch.tensor(1.0), Liar()]],
    ids=["tensor_subclass", "lying_eq_object", "float_subclass", "nested"],
)
def test_wire_encodes_subclasses_and_liars_as_unsupported(value: object) -> None:
    record = encode(value)
    if isinstance(value, list):
        record = record["items"][1]
    assert record["type"] == "unsupported"
    assert compare(record, encode(torch.zeros(3)), DEFAULT_TOLERANCES) is not None


def test_wire_refuses_a_forged_byte_count() -> None:
    record = encode_tensor(torch.zeros(3, dtype=torch.float64))
    forged = {**record, "shape": [4]}
    with pytest.raises(WireError, match="byte count"):
        decode_tensor(forged)
    truncated = {**record, "data": encode_tensor(torch.zeros(2, dtype=torch.float64))["data"]}
    with pytest.raises(WireError):
        decode_tensor(truncated)


@pytest.mark.parametrize("shape", [[-1], "3", [1.5], [10**9, 10**9]])
def test_wire_refuses_malformed_shapes(shape: object) -> None:
    record = {**encode_tensor(torch.zeros(1)), "shape": shape}
    with pytest.raises(WireError):
        decode_tensor(record)


def test_compare_reports_a_forged_student_record_as_unreadable() -> None:
    forged = {**encode_tensor(torch.zeros(3, dtype=torch.float64)), "shape": [4]}
    mismatch = compare(forged, t([0.0, 0.0, 0.0, 0.0]), DEFAULT_TOLERANCES)
    assert mismatch is not None and mismatch.kind == "unreadable"


# ---------------------------------------------------------------- the plan


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(REPO).course


def _probes(plan: Plan) -> dict[str, dict[str, Any]]:
    return {case.probe_id: case.probe for exercise in plan.exercises for check in exercise.checks for case in check.cases}


def _hidden_random(plan: Plan) -> dict[str, dict[str, Any]]:
    return {
        case.probe_id: case.probe
        for exercise in plan.exercises
        for check in exercise.checks
        if not check.check.visible
        for case in check.cases
        if ".r" in case.probe_id
    }


def test_same_seed_gives_the_same_inputs(course: Course) -> None:
    first, second = build_plan(course, course.seed), build_plan(course, course.seed)
    assert _probes(first) == _probes(second)
    assert _hidden_random(first), "the course should have random hidden cases"


def test_different_student_seeds_give_different_hidden_inputs(course: Course) -> None:
    alice, bob = student_seed(course.seed, "alice"), student_seed(course.seed, "bob")
    assert alice != bob
    assert student_seed(course.seed, "alice") == alice
    alice_inputs, bob_inputs = _hidden_random(build_plan(course, alice)), _hidden_random(build_plan(course, bob))
    assert alice_inputs.keys() == bob_inputs.keys()
    differing = [probe_id for probe_id in alice_inputs if alice_inputs[probe_id] != bob_inputs[probe_id]]
    assert len(differing) == len(alice_inputs), "every random hidden input should be drawn anew"
    fixed = {k: v for k, v in _probes(build_plan(course, alice)).items() if ".r" not in k}
    assert fixed == {k: v for k, v in _probes(build_plan(course, bob)).items() if ".r" not in k}


def test_visible_only_plan_drops_hidden_checks_and_has_no_seed(course: Course) -> None:
    plan = build_plan(course, course.seed, visible_only=True)
    assert plan.seed is None
    for exercise, planned in zip(course.exercises, plan.exercises, strict=True):
        assert [c.name for c in planned.checks] == [c.name for c in exercise.checks if c.visible]
        assert all(c.check.visible for c in planned.checks)
        assert all(".r" not in case.probe_id for c in planned.checks for case in c.cases)


def test_probe_ids_of_visible_checks_match_between_full_and_visible_plans(course: Course) -> None:
    full = build_plan(course, course.seed)
    visible = build_plan(course, None, visible_only=True)
    for exercise in full.exercises:
        full_visible = {case.probe_id: (case.probe, case.label) for check in exercise.checks if check.check.visible for case in check.cases}
        released = {case.probe_id: (case.probe, case.label) for check in visible.exercise(exercise.id).checks for case in check.cases}
        assert full_visible == released, exercise.id


def test_probes_carry_no_check_names(course: Course) -> None:
    names = {check.name for exercise in course.exercises for check in exercise.checks}
    for probe_id, probe in _probes(build_plan(course, course.seed)).items():
        text = f"{probe_id} {probe}"
        assert [name for name in names if name in text] == []


def test_a_student_seed_reveals_neither_the_course_seed_nor_a_classmates_seed() -> None:
    # With a linear derivation, seed(c, name) = a*c + h(name), the gap between two students' seeds is the same for
    # every course seed (one shown seed gives everyone's), and a seed minus h(name) gives the course seed back.
    courses = range(1000, 1008)
    gaps = {student_seed(c, "alice") - student_seed(c, "bob") for c in courses}
    steps = {student_seed(c + 1, "alice") - student_seed(c, "alice") for c in courses}
    assert len(gaps) == len(courses) and len(steps) == len(courses)
    assert all(0 <= student_seed(c, "alice") < 2**63 for c in courses)
