"""The judge fails closed: a missing, extra or misshapen observation never passes, and the reference sets the tolerance.

Without the sandbox: the probes of :mod:`grader.sandbox.probes` run here, in
this process, on the course's own solutions (trusted code) or on small
student files written to the test's temporary folder; the observations are
then tampered with as a hostile worker could, and judged by
:func:`grader.checks.judge.judge_check`.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import torch

from grader.checks.judge import Observations, judge_check
from grader.checks.kinds import ReferenceFailed
from grader.checks.plugin import StudentError, StudentHandle
from grader.compare import compare
from grader.course.load import load_course
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plan import ExercisePlan, Plan, PlannedCheck, build_plan
from grader.results import CheckResult
from grader.sandbox.probes import PROBES
from grader.sandbox.wire import decode_tensor, encode_tensor
from grader.submissions import SourceFile, Submission

REPO = Path(__file__).resolve().parents[1]
INTERFERED = "your code interfered with grading"
_modules = itertools.count()


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(load_course(REPO).course, 7)


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"judged_{next(_modules)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def observe(planned: PlannedCheck, path: Path) -> Observations:
    """Every probe of one check, answered in this process by the file at ``path``, as a worker would."""
    module = _import(path)
    return {case.probe_id: PROBES[case.probe["op"]](module, str(path), case.probe) for case in planned.cases}


def find(plan: Plan, exercise: str, check: str) -> tuple[ExercisePlan, PlannedCheck]:
    exercise_plan = plan.exercise(exercise)
    return exercise_plan, next(p for p in exercise_plan.checks if p.name == check)


def judged(plan: Plan, exercise: str, check: str, tamper: Any = None, unfinished: str | None = None) -> CheckResult:
    """The reference's own observations, changed by ``tamper`` (observation -> None, in place), judged against themselves."""
    exercise_plan, planned = find(plan, exercise, check)
    reference = observe(planned, REPO / "solutions" / f"{exercise}.py")
    student = copy.deepcopy(reference)
    if tamper is not None:
        for observation in student.values():
            tamper(observation)
    return judge_check(planned, student, reference, (), exercise_plan.tolerances, unfinished)


def student_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "student.py"
    path.write_text(source, encoding="utf-8")
    return path


def judged_file(plan: Plan, exercise: str, check: str, path: Path) -> CheckResult:
    exercise_plan, planned = find(plan, exercise, check)
    reference = observe(planned, REPO / "solutions" / f"{exercise}.py")
    return judge_check(planned, observe(planned, path), reference, (), exercise_plan.tolerances, None)


def assert_interference(result: CheckResult) -> None:
    assert result.status == "failed", result
    assert result.points == 0
    assert INTERFERED in result.message


# ---------------------------------------------------------------- every probe comes back, whole


def test_untouched_observations_pass_every_kind(plan: Plan) -> None:
    for exercise, check in [
        ("square", "same_answer_twice"),
        ("vjp", "backward_leaves_caller_x_alone"),
        ("leaf_tensors", "backward_at_tutorial_point"),
        ("custom_square", "backward_values"),
        ("custom_square", "gradcheck_fixed"),
        ("saved_tensors", "exp_double_backward"),
        ("inplace_function", "inplace_facts"),
        ("double_backward", "func_grad"),
    ]:
        result = judged(plan, exercise, check)
        assert result.status == "passed", result


def test_a_value_check_answered_with_one_call_fewer_than_asked_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "square", "same_answer_twice", lambda o: o["calls"].pop()))


def test_a_value_check_answered_with_one_call_more_than_asked_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "square", "value_at_tutorial_points", lambda o: o["calls"].append(o["calls"][0])))


def test_an_empty_list_of_calls_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "square", "value_at_tutorial_points", lambda o: o["calls"].clear()))


def test_an_observation_without_its_calls_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "square", "value_at_tutorial_points", lambda o: o.clear()))


def test_a_call_that_is_not_a_record_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "square", "value_at_tutorial_points", lambda o: o.update(calls=["6.0"])))


def test_a_missing_observation_of_a_module_that_completed_is_interference(plan: Plan) -> None:
    exercise_plan, planned = find(plan, "square", "value_at_tutorial_points")
    reference = observe(planned, REPO / "solutions" / "square.py")
    assert_interference(judge_check(planned, {}, reference, (), exercise_plan.tolerances, None))
    first = planned.cases[0].probe_id
    assert_interference(judge_check(planned, {first: reference[first]}, reference, (), exercise_plan.tolerances, None))


def test_a_missing_observation_of_a_module_that_stopped_early_is_not_graded(plan: Plan) -> None:
    result = judged(plan, "square", "value_at_tutorial_points", lambda o: o.clear(), unfinished="stopped after 10 s")
    assert result.status == "failed"  # present but emptied: interference, whatever the worker's end
    exercise_plan, planned = find(plan, "square", "value_at_tutorial_points")
    stopped = judge_check(planned, {}, {}, (), exercise_plan.tolerances, "stopped after 10 s (the time limit)")
    assert (stopped.status, stopped.points, stopped.message) == ("not_graded", 0, "stopped after 10 s (the time limit)")


def test_arguments_missing_after_the_call_are_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "vjp", "backward_leaves_caller_x_alone", lambda o: o["calls"][0].pop("args_after")))
    assert_interference(judged(plan, "vjp", "backward_leaves_caller_x_alone", lambda o: o["calls"][0]["args_after"].pop()))
    assert_interference(judged(plan, "vjp", "backward_leaves_caller_x_alone", lambda o: o["calls"][0]["args_after"][0].clear()))
    not_a_tensor = {"tensor": False}
    assert_interference(
        judged(plan, "vjp", "backward_leaves_caller_x_alone", lambda o: o["calls"][0]["args_after"].__setitem__(0, not_a_tensor))
    )


def test_a_graph_check_without_its_gradient_or_calls_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "leaf_tensors", "backward_at_tutorial_point", lambda o: o["calls"][0].pop("grad")))
    assert_interference(judged(plan, "leaf_tensors", "graph_at_tutorial_point", lambda o: o["calls"].clear()))


def test_a_figure_check_without_calls_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "grid_derivative", "figure_on_tutorial_grid", lambda o: o["calls"].clear()))


def test_a_backward_check_with_one_upstream_run_fewer_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "custom_square", "backward_values", lambda o: o["backwards"].pop()))
    assert_interference(judged(plan, "custom_square", "backward_values", lambda o: o["backwards"].clear()))


def test_a_backward_run_with_a_gradient_missing_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "two_inputs", "backward_at_tutorial_point", lambda o: o["backwards"][0]["grads"].pop()))


def test_a_forward_check_without_its_forward_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "custom_square", "forward_values", lambda o: o.pop("forward")))


def test_a_double_backward_check_with_one_run_fewer_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "saved_tensors", "exp_double_backward", lambda o: o["runs"].pop()))
    assert_interference(judged(plan, "saved_tensors", "exp_double_backward", lambda o: o["runs"][0]["has_graph"].clear()))


def test_a_gradcheck_with_jacobian_rows_missing_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "custom_square", "gradcheck_fixed", lambda o: o["rows"].pop()))
    assert_interference(judged(plan, "custom_square", "gradcheck_fixed", lambda o: o["shifted"].pop()))


def test_a_gradcheck_that_compares_nothing_fails(plan: Plan) -> None:
    def nothing(observation: dict[str, Any]) -> None:
        empty = encode_tensor(torch.zeros(0, dtype=torch.float64))
        observation.update(output=empty, rows=[], shifted=[[empty, empty] for _ in observation["shifted"]])

    result = judged(plan, "custom_square", "gradcheck_fixed", nothing)
    assert result.status == "failed" and result.points == 0


def test_an_inplace_check_without_its_run_on_a_copy_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "inplace_function", "inplace_facts", lambda o: o.pop("on_copy")))


def test_a_transforms_check_with_a_transform_missing_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "double_backward", "func_grad", lambda o: o["transforms"].clear()))


def test_a_check_without_inputs_cannot_pass(plan: Plan) -> None:
    exercise_plan, planned = find(plan, "square", "value_at_tutorial_points")
    empty = PlannedCheck(planned.exercise, planned.check, ())
    with pytest.raises(ReferenceFailed, match="no inputs"):
        judge_check(empty, {}, {}, (), exercise_plan.tolerances, None)


def test_a_wrong_number_of_gradients_from_backward_is_the_students_mistake(plan: Plan, tmp_path: Path) -> None:
    source = (REPO / "solutions" / "two_inputs.py").read_text(encoding="utf-8")
    wrong = student_file(tmp_path, source.replace("return grad_u, grad_v", "return (grad_u,)"))
    assert wrong.read_text(encoding="utf-8") != source
    result = judged_file(plan, "two_inputs", "backward_at_tutorial_point", wrong)
    assert result.status == "failed" and INTERFERED not in result.message
    assert "incorrect number of gradients" in result.message


# ---------------------------------------------------------------- the reference's dtype sets the tolerance


def test_a_bfloat16_result_one_percent_off_fails() -> None:
    expected = encode_tensor(torch.tensor([1.5, -2.25, 3.0], dtype=torch.float64))
    actual = encode_tensor(torch.tensor([1.5, -2.25, 3.0], dtype=torch.float64).mul(1.01).to(torch.bfloat16))
    mismatch = compare(actual, expected, DEFAULT_TOLERANCES)
    assert mismatch is not None
    assert "bfloat16 where float64 was expected" in mismatch.message
    assert "bfloat16 has too few digits for this tolerance" in mismatch.message


def test_a_float16_result_is_judged_at_the_reference_tolerance() -> None:
    expected = encode_tensor(torch.tensor([0.1, 1 / 3], dtype=torch.float64))
    assert compare(encode_tensor(torch.tensor([0.1, 1 / 3], dtype=torch.float16)), expected, DEFAULT_TOLERANCES) is not None
    exact = encode_tensor(torch.tensor([0.5, 2.0], dtype=torch.float64))
    assert compare(encode_tensor(torch.tensor([0.5, 2.0], dtype=torch.float16)), exact, DEFAULT_TOLERANCES) is None


def test_a_float32_result_within_the_reference_tolerance_passes_with_a_dtype_note(plan: Plan) -> None:
    def as_float32(observation: dict[str, Any]) -> None:
        for call in observation["calls"]:
            call["value"] = encode_tensor(decode_tensor(call["value"]).to(torch.float32))

    result = judged(plan, "vjp", "backward_vjp_fixed", as_float32)
    assert result.status == "passed", result
    assert "your result is float32 where float64 was expected; its values match" in result.message


def test_a_forward_difference_gradient_checker_returned_as_bfloat16_fails(plan: Plan, tmp_path: Path) -> None:
    one_sided = (REPO / "tests" / "cases" / "gradient_checker" / "one_sided.py").read_text(encoding="utf-8")
    path = student_file(tmp_path, one_sided.replace("    return grad\n", "    return grad.to(torch.bfloat16)\n", 1))
    assert "bfloat16" in path.read_text(encoding="utf-8")
    result = judged_file(plan, "gradient_checker", "numerical_gradient_random", path)
    assert result.status == "failed", result
    assert "bfloat16 has too few digits for this tolerance" in result.message


# ---------------------------------------------------------------- requires_grad of the caller's tensors


MARKS_CALLER_X = """
import torch


def vjp_square(x, v):
    leaf = x.detach().clone().requires_grad_(True)
    (leaf**2).backward(gradient=v)
    return leaf.grad


def vjp_square_grad(x, v):
    x.requires_grad_()
    (grad,) = torch.autograd.grad(x**2, x, grad_outputs=v)
    return grad
"""


def test_the_arguments_requires_grad_and_is_leaf_are_observed_after_the_call(plan: Plan, tmp_path: Path) -> None:
    _, planned = find(plan, "vjp", "grad_vjp_random")
    observations = observe(planned, student_file(tmp_path, MARKS_CALLER_X))
    arguments = next(iter(observations.values()))["calls"][0]["args_after"]
    assert [(a["name"], a["requires_grad"], a["is_leaf"]) for a in arguments] == [("x", True, True), ("v", False, True)]


def test_a_function_that_sets_requires_grad_on_the_callers_tensor_loses_the_check(plan: Plan, tmp_path: Path) -> None:
    result = judged_file(plan, "vjp", "grad_vjp_random", student_file(tmp_path, MARKS_CALLER_X))
    assert result.status == "failed", result
    assert "your function changed requires_grad of the caller's tensor `x`" in result.message


# ---------------------------------------------------------------- instructor checks read through the same envelope


@dataclass
class AnsweringServer:
    """Stands in for the fork server: every job's one module answers the probe ``custom`` with ``observation``."""

    observation: dict[str, Any]

    def run(self, jobs: list[Any]) -> list[SimpleNamespace]:
        module = SimpleNamespace(name="square", observations={"custom": self.observation}, completed=True)
        return [SimpleNamespace(job_id=job.job_id, status="exited", modules=(module,)) for job in jobs]


def handle(plan: Plan, observation: dict[str, Any]) -> StudentHandle:
    submission = Submission("ada", Path("ada"), {"square": SourceFile(Path("ada/square.py"), "def derivative_square(x0): ...")})
    return StudentHandle(submission, AnsweringServer(observation), {"square": plan.exercise("square")})  # type: ignore[arg-type]


@pytest.mark.parametrize("observation", [{"calls": []}, {"calls": [{"value": {"type": "float", "value": 6.0}}] * 2}, {}])
def test_an_instructor_check_reading_a_misshapen_answer_fails_as_interference(plan: Plan, observation: dict[str, Any]) -> None:
    with pytest.raises(StudentError, match=INTERFERED):
        handle(plan, observation).call("square", "derivative_square", 3.0)


def test_an_instructor_check_reads_a_well_formed_answer(plan: Plan) -> None:
    assert handle(plan, {"calls": [{"value": {"type": "float", "value": 6.0}}]}).call("square", "derivative_square", 3.0) == 6.0


# ---------------------------------------------------------------- a forged record deep inside a value


def _forge_first_value(forge: Any) -> Any:
    """A tamper that wraps every call's value in a list whose single item ``forge`` turns into a forged record."""

    def tamper(observation: dict[str, Any]) -> None:
        for call in observation["calls"]:
            call["value"] = {"type": "list", "items": [forge(call["value"])]}

    return tamper


@pytest.mark.parametrize(
    "forge",
    [
        lambda value: {"type": "list"},
        lambda value: {**value, "data": value["data"][:-4]},
        lambda value: {**value, "shape": [*value["shape"], 2]},
        lambda value: {**value, "dtype": "float128"},
        lambda value: {"type": "dict", "items": [value]},
        lambda value: {"type": "float", "value": "6.0"},
        lambda value: {**value, "data": "*" * len(value["data"])},
    ],
    ids=[
        "list_without_items",
        "tensor_bytes_short",
        "shape_without_bytes",
        "unknown_dtype",
        "dict_of_a_list",
        "float_as_text",
        "not_base64",
    ],
)
def test_a_forged_record_deep_inside_a_value_is_interference(plan: Plan, forge: Any) -> None:
    exercise_plan, planned = find(plan, "vjp", "backward_vjp_fixed")
    reference = observe(planned, REPO / "solutions" / "vjp.py")
    reference_wrapped = copy.deepcopy(reference)
    student = copy.deepcopy(reference)
    for observation in reference_wrapped.values():
        _forge_first_value(lambda value: value)(observation)
    for observation in student.values():
        _forge_first_value(forge)(observation)
    assert_interference(judge_check(planned, student, reference_wrapped, (), exercise_plan.tolerances, None))


def test_a_forged_output_of_a_gradient_check_is_interference(plan: Plan) -> None:
    assert_interference(judged(plan, "custom_square", "gradcheck_fixed", lambda o: o.update(output={"type": "list"})))
