"""The judging session's fast paths give the verdicts of the general ones, and its report names every failed check.

Without the sandbox: observations are built here, and the judging session is
the real pytest session of :func:`grader.checks.plugin.run_judging`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader import compare as compare_module
from grader.checks import plugin
from grader.checks.envelope import ENVELOPES
from grader.checks.kinds import KIND_JUDGES, ReferenceFailed
from grader.checks.kinds.function_gradcheck import _finite_differences
from grader.compare import as_float64, compare, decoding_once, flat_numbers
from grader.course.kinds import KIND_SPECS
from grader.course.load import load_course
from grader.course.schema import CheckKind
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.course.value_specs import DTYPE_NAMES, SAMPLE_FUNCTION_NAMES
from grader.plan import ExercisePlan, PlannedCheck, build_plan, call_probe
from grader.results import CheckResult
from grader.sandbox.probes import PROBES
from grader.sandbox.sample_functions import SAMPLE_FUNCTIONS
from grader.sandbox.wire import decode_tensor, decode_tensor_values, encode_tensor

REPO = Path(__file__).resolve().parents[1]

SPECIALS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-9, 1e308, float("nan"), float("inf"), float("-inf")])
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), SPECIALS)


def small_arrays(dtype: Any) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=FLOATS)


def record(array: np.ndarray) -> dict[str, Any]:
    return encode_tensor(torch.from_numpy(np.ascontiguousarray(array)))


def without_the_small_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare_module, "QUICK_LIMIT", -1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # infinities in the explanation's arithmetic
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([np.float32, np.float64]),
    st.sampled_from([np.float32, np.float64]),
    st.data(),
)
def test_comparing_small_float_tensors_in_python_floats_gives_the_general_verdict(got_dtype: Any, want_dtype: Any, data: Any) -> None:
    want = data.draw(small_arrays(want_dtype))
    same_shape = data.draw(st.booleans())
    got = data.draw(hnp.arrays(got_dtype, want.shape, elements=FLOATS)) if same_shape else data.draw(small_arrays(got_dtype))
    if data.draw(st.booleans()) and want.size:  # nearly equal values, where the tolerance decides
        got = (want * (1 + data.draw(st.sampled_from([0.0, 1e-8, 1e-6, 1e-4, 1e-2])))).astype(got_dtype)
    actual, expected = record(got), record(want)
    fast = compare(actual, expected, DEFAULT_TOLERANCES, "x")
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_the_small_path(monkeypatch)
        general = compare(actual, expected, DEFAULT_TOLERANCES, "x")
    assert fast == general


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # values out of float16's range
@settings(max_examples=200, deadline=None)
@given(st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64]), st.data())
def test_decoding_for_the_judge_gives_the_numbers_torch_gives(dtype: torch.dtype, data: Any) -> None:
    values = data.draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=70), elements=FLOATS))
    tensor = torch.from_numpy(values).to(dtype)
    wire = encode_tensor(tensor)
    by_torch = decode_tensor(wire)
    by_torch = by_torch.to(torch.complex128 if by_torch.is_complex() else torch.float64).numpy()
    np.testing.assert_array_equal(as_float64(wire), by_torch)  # NaN where NaN, -0.0 kept
    assert as_float64(wire).dtype == by_torch.dtype


def test_judge_decoding_rejects_what_decode_tensor_rejects() -> None:
    forged = {**encode_tensor(torch.zeros(3)), "shape": [4]}
    with pytest.raises(ValueError, match="byte count"):
        decode_tensor_values(forged)
    assert compare(forged, encode_tensor(torch.zeros(4)), DEFAULT_TOLERANCES).kind == "unreadable"  # type: ignore[union-attr]


def test_inside_a_session_each_record_is_decoded_once_and_read_only() -> None:
    wire = encode_tensor(torch.arange(100, dtype=torch.float64))
    with decoding_once():
        first = as_float64(wire)
        assert as_float64(wire) is first
        with pytest.raises(ValueError, match="read-only"):
            first[0] = 1.0
    assert as_float64(wire) is not first
    assert as_float64(wire).flags.writeable


def test_flat_numbers_of_a_list_of_small_tensors_is_the_general_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {"type": "list", "items": [record(np.array([1.5, -0.0], np.float32)), record(np.array(2.0)), {"type": "float", "value": 3.0}]}
    fast = flat_numbers(rows)
    without_the_small_path(monkeypatch)
    np.testing.assert_array_equal(fast, flat_numbers(rows))  # type: ignore[arg-type]
    assert flat_numbers({"type": "list", "items": []}) is None


def test_the_numerical_jacobian_is_the_same_column_by_column(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    shifted = [[record(rng.normal(size=(2, 3))), record(rng.normal(size=(2, 3)).astype(np.float32))] for _ in range(4)]
    fast = _finite_differences(shifted, 1e-6)
    without_the_small_path(monkeypatch)
    general = _finite_differences(shifted, 1e-6)
    assert fast.shape == general.shape == (6, 4)
    np.testing.assert_array_equal(fast, general)


# ---------------------------------------------------------------- the session


@pytest.fixture(scope="module")
def exercise_plan() -> ExercisePlan:
    plan = build_plan(load_course(REPO).course, 7)
    return max(plan.exercises, key=lambda p: len(p.checks))


def result(planned: PlannedCheck, status: str, message: str = "", hint: str | None = None) -> CheckResult:
    check = planned.check
    points = check.points if status == "passed" else 0.0
    return CheckResult(planned.exercise, check.name, check.visible, points, check.points, status, message, hint=hint)  # type: ignore[arg-type]


def task(exercise_plan: ExercisePlan, name: str) -> plugin.JudgeTask:
    return plugin.JudgeTask(submission=name, plan=exercise_plan, observations={}, reference={}, mutants=(), unfinished="")


def test_a_check_that_breaks_the_grader_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch, exercise_plan: ExercisePlan) -> None:
    first = exercise_plan.checks[0]

    def judge(planned: PlannedCheck, *_: Any) -> CheckResult:
        if planned is first:
            raise ReferenceFailed("the reference raised")
        return result(planned, "passed")

    monkeypatch.setattr(plugin, "judge_check", judge)
    outcome = plugin.run_judging([task(exercise_plan, "ada")], [], None)
    assert set(outcome.builtin) == {("ada", exercise_plan.id, p.name) for p in exercise_plan.checks}
    broken = outcome.builtin[("ada", exercise_plan.id, first.name)]  # not graded, and the record says why
    assert broken.status == "not_graded" and broken.message == "not judged: the course is broken here (the reference raised)"
    assert f"ERROR ada::{exercise_plan.id}::{first.name} - the grader could not judge this check" in outcome.report
    assert "ReferenceFailed: the reference raised" in outcome.report


def test_the_report_names_each_check_that_did_not_pass_for_whom(monkeypatch: pytest.MonkeyPatch, exercise_plan: ExercisePlan) -> None:
    failing = exercise_plan.checks[1]

    def judge(planned: PlannedCheck, *_: Any) -> CheckResult:
        if planned is failing:
            return result(planned, "failed", "got 3 at index (0,)\nmore detail", hint="multiply by grad_output")
        return result(planned, "passed")

    monkeypatch.setattr(plugin, "judge_check", judge)
    outcome = plugin.run_judging([task(exercise_plan, "ada"), task(exercise_plan, "grace")], [], None)
    assert len(outcome.builtin) == 2 * len(exercise_plan.checks)
    for name in ("ada", "grace"):
        assert f"FAILED {name}::{exercise_plan.id}::{failing.name} - got 3 at index (0,)\n" in outcome.report
        assert outcome.builtin[(name, exercise_plan.id, failing.name)].hint == "multiply by grad_output"
    assert "2 with failed checks" in outcome.report


def test_every_kind_the_course_accepts_has_a_judge_and_every_judge_a_kind() -> None:
    assert list(KIND_JUDGES) == list(KIND_SPECS) == list(get_args(CheckKind))


def test_every_kinds_probe_is_one_the_worker_runs_and_the_envelope_reads() -> None:
    for spec in KIND_SPECS.values():
        assert spec.probe in PROBES, spec.name
        assert spec.probe in ENVELOPES, spec.name


def test_the_course_names_the_workers_sample_functions_as_the_worker_does() -> None:
    assert sorted(SAMPLE_FUNCTION_NAMES) == sorted(SAMPLE_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(DTYPE_NAMES))
def test_every_dtype_a_value_spec_may_name_makes_a_torch_tensor(name: str) -> None:
    dtype = getattr(torch, name)
    assert isinstance(dtype, torch.dtype)
    assert torch.tensor([1, 0], dtype=dtype).dtype == dtype


def test_the_plan_keeps_the_courses_own_time_limit_beside_the_one_given_on_the_command_line() -> None:
    course = load_course(REPO).course
    plan = build_plan(course, seed=0, time_limit=0.5)
    for exercise in plan.exercises:
        own = exercise.exercise.limits.time_limit or course.defaults.limits.time_limit
        assert (exercise.limits.time_limit, exercise.course_time_limit) == (0.5, own)
        assert exercise.job(1, "", []).limits == exercise.limits.model_dump(exclude={"time_limit"})
    assert build_plan(course, seed=0).exercises[0].course_time_limit == build_plan(course, seed=0).exercises[0].limits.time_limit


def test_an_instructor_test_calls_student_code_through_the_plans_own_call_probe() -> None:
    probe = call_probe("relu", [torch.tensor([1.0])], {"scale": 2})
    assert probe["op"] == "call" and probe["repeat"] == 1
    assert decode_tensor(probe["args"][0]).tolist() == [1.0] and probe["kwargs"] == {"scale": {"type": "int", "value": 2}}
