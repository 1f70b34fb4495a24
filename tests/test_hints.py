"""A hint that fires must be right: each numerical diagnosis holds on every failing input, or is not given."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader.checks.judge import judge_check
from grader.checks.kinds import CaseContext, CaseVerdict, agreed_hint
from grader.checks.kinds.factors import _dtype_hint
from grader.checks.kinds.function_backward import _judge_backward_economy
from grader.checks.kinds.function_gradcheck import _invariant_to_upstream
from grader.course.load import load_course
from grader.course.schema import Check
from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plan import build_plan, forward_parameters
from grader.sandbox.probes import PROBES
from grader.sandbox.wire import encode
from grader.student_errors import hint_for

REPO = Path(__file__).resolve().parents[1]


def _factor(k: float, *support: float) -> CaseVerdict:
    return CaseVerdict(False, "differs", hint=f"exactly {k:g} times", diagnosis="constant_factor", factor=k, support=support)


def _backwards(*runs: list[float]) -> dict[str, Any]:
    return {"backwards": [{"grads": [encode(torch.tensor(run, dtype=torch.float64))]} for run in runs]}


def test_a_wrong_single_number_is_not_told_a_constant_factor() -> None:
    assert agreed_hint([_factor(1.0556, 18.0)], {}, {}) == (None, None)


def test_a_factor_shared_by_two_distinct_values_is_told() -> None:
    assert agreed_hint([_factor(2.0, 18.0), _factor(2.0, 4.0)], {}, {}) == ("exactly 2 times", "constant_factor")


def test_factors_that_differ_between_failing_inputs_are_not_told() -> None:
    assert agreed_hint([_factor(2.0, 18.0, 4.0), _factor(3.0, 5.0, 6.0)], {}, {}) == (None, None)


def test_a_factor_that_holds_only_at_upstream_one_is_not_told() -> None:
    """``grad_output * dx + 6 * dx``: 7 times right at upstream 1, (3 + 6) / 3 times at upstream 3."""
    dx = [3.0, 12.0]
    reference = {"b": _backwards([1 * d for d in dx], [3 * d for d in dx])}
    student = {"b": _backwards([7 * d for d in dx], [9 * d for d in dx])}
    assert agreed_hint([_factor(7.0, 3.0, 12.0)], student, reference) == (None, None)
    forgot_constant = {"b": _backwards([2 * d for d in dx], [6 * d for d in dx])}
    assert agreed_hint([_factor(2.0, 3.0, 12.0)], forgot_constant, reference) == ("exactly 2 times", "constant_factor")


def test_an_exception_hint_stays_whatever_the_other_inputs_did() -> None:
    raised = CaseVerdict(False, "raised", hint="fix the TypeError", diagnosis="exception")
    assert agreed_hint([raised, _factor(2.0, 1.0, 3.0)], {}, {}) == ("fix the TypeError", "exception")


def test_ignoring_grad_output_needs_a_backward_invariant_to_it() -> None:
    zero = np.array([4.0, 6.0])
    assert _invariant_to_upstream(zero, [[encode(torch.tensor([4.0, 6.0], dtype=torch.float64))]] * 2)
    assert not _invariant_to_upstream(zero, [[encode(torch.tensor([5.0, 6.0], dtype=torch.float64))]])


def test_a_gradient_for_a_frozen_input_names_the_argument_and_its_needs_input_grad_index() -> None:
    check = Check(name="frozen", kind="function_backward", entry="F", points=1, cases=[{"inputs": [1.0, 2.0], "upstreams": [1.0]}])
    context = CaseContext(check=check, label="F.apply(1, 2)", tolerances=DEFAULT_TOLERANCES, reveal=True)
    verdict = _judge_backward_economy({"returned": [False, False]}, {"returned": [False, True]}, context)  # True: None returned
    assert "forward's second argument" in verdict.message and "ctx.needs_input_grad[1] is False" in verdict.message
    assert verdict.hint is not None and "ctx.needs_input_grad[1]" in verdict.hint


def test_an_old_style_function_gets_its_cause_named() -> None:
    old_style = ("ScaledSin.forward() takes 2 positional arguments but 3 were given", "Legacy autograd function with non-static forward")
    for message in old_style:
        hint = hint_for({"type": "TypeError", "message": message})
        assert hint is not None and "old-style autograd Function" in hint and "@staticmethod" in hint


def test_a_forward_without_ctx_is_not_called_old_style() -> None:
    hint = hint_for({"type": "TypeError", "message": "NoSetup.forward() takes 1 positional argument but 2 were given"})
    assert hint is not None and "setup_context" in hint and "old-style" not in hint


def test_a_result_in_another_dtype_or_right_only_to_float32_gets_a_dtype_hint() -> None:
    want = encode(torch.tensor([0.1234567891234, 2.0], dtype=torch.float64))
    as_float32 = encode(torch.tensor([0.1234567891234, 2.0], dtype=torch.float32))
    hint = _dtype_hint(as_float32, want)
    assert hint is not None and hint[1] == "dtype" and "float32 tensor where the reference's is float64" in hint[0]
    rounded = encode(torch.tensor([0.12345679, 2.0], dtype=torch.float64))
    hint = _dtype_hint(rounded, want)
    assert hint is not None and hint[1] == "float32_precision"
    assert _dtype_hint(encode(torch.tensor([0.5, 2.0], dtype=torch.float64)), want) is None


def test_a_backward_factor_that_changes_with_the_input_is_told_without_a_number() -> None:
    """GradReverse forgetting lambd: each random lambd gives its own factor, the same at every upstream gradient."""
    hint = "Your backward is off by a constant factor (same factor at every upstream gradient)."
    verdicts = [
        CaseVerdict(False, "differs", hint=hint, diagnosis="constant_factor", factor=k, support=(1.0, 2.0), factor_per_input=True)
        for k in (2.0, 0.7)
    ]
    assert agreed_hint(verdicts, {}, {}) == (hint, "constant_factor")


def test_a_gradient_for_a_frozen_weight_names_weight_from_the_reference_solution(tmp_path: Path) -> None:
    """LinearFunction's backward computing a gradient for ``weight`` when ``ctx.needs_input_grad[1]`` is False."""
    solution = (REPO / "solutions" / "linear_function.py").read_text(encoding="utf-8")
    student = tmp_path / "linear_function.py"
    student.write_text(solution.replace("if ctx.needs_input_grad[1]", "if True"), encoding="utf-8")
    assert student.read_text(encoding="utf-8") != solution
    plan = build_plan(load_course(REPO).course, 7, solutions=REPO / "solutions")
    exercise_plan = plan.exercise("linear_function")
    planned = next(p for p in exercise_plan.checks if p.name == "frozen_weight")
    assert planned.input_names == ("input", "weight", "bias")

    def observe(path: Path) -> dict[str, Any]:
        spec = importlib.util.spec_from_file_location(f"named_{path.parent.name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return {case.probe_id: PROBES[case.probe["op"]](module, str(path), case.probe) for case in planned.cases}

    result = judge_check(planned, observe(student), observe(REPO / "solutions" / "linear_function.py"), (), exercise_plan.tolerances, None)
    assert result.status == "failed"
    assert "backward computed a gradient for `weight`" in result.message and "ctx.needs_input_grad[1] is False" in result.message
    assert result.hint is not None and "ctx.needs_input_grad[1], for `weight`" in result.hint


def test_a_function_without_setup_context_names_the_inputs_after_ctx(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text(
        "class F:\n    def forward(ctx, u, v): ...\nclass G:\n    def forward(x, k): ...\n    def setup_context(ctx, i, o): ...\n",
        encoding="utf-8",
    )
    assert forward_parameters(path, "F") == ("u", "v")
    assert forward_parameters(path, "G") == ("x", "k")
    assert forward_parameters(path, "H") == ()
    assert forward_parameters(tmp_path / "missing.py", "F") == ()
