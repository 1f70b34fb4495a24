"""``function_double_backward``: first-order gradients that carry a graph, and the second derivative through them."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.factors import factor_verdict
from grader.checks.kinds.verdicts import PASSED, CaseContext, CaseVerdict, ReferenceFailed, class_failure, error_verdict, fact, raised
from grader.compare import compare
from grader.student_errors import describe_error

NO_GRAPH_HINT = (
    "Your gradient carries no graph, so double backward sees a zero second derivative. Compute backward with "
    "differentiable torch operations from tensors saved with ctx.save_for_backward (return intermediates as extra "
    "outputs and save those): not from tensors kept as ctx attributes, not under torch.no_grad() or "
    "@once_differentiable, not through .detach() or numpy."
)


def judge_function_double_backward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if (failure := class_failure(student, reference, context)) is not None:
        return failure
    if not reference["runs"]:
        raise ReferenceFailed("the reference ran no double backward: nothing to compare")
    for index, (got, want) in enumerate(zip(student["runs"], reference["runs"], strict=True)):
        which = f"{context.label}, upstream gradient {index + 1}"
        if "error" in want:
            raise ReferenceFailed(describe_error(want["error"], "the reference"))
        if "error" in got:
            return error_verdict(got["error"], f"double backward of {context.label}")
        first = compare({"type": "list", "items": got["grads"]}, {"type": "list", "items": want["grads"]}, context.tolerances, "gradient")
        if first:
            return CaseVerdict(False, f"{which}: first-order {first.describe(context.reveal)}")
        if any(w and not g for g, w in zip(got["has_graph"], want["has_graph"], strict=True)):
            return CaseVerdict(
                False, f"{which}: with create_graph=True your gradient has no grad_fn", hint=NO_GRAPH_HINT, diagnosis="no_double_backward"
            )
        got_second, want_second = {"type": "list", "items": got["second"]}, {"type": "list", "items": want["second"]}
        second = compare(got_second, want_second, context.tolerances, "second derivative")
        if second:
            return factor_verdict(f"{which}: {second.describe(context.reveal)}", got_second, want_second, context.reveal)
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": [raised(run["error"]) if "error" in run else _second_order_facts(run) for run in observation["runs"]]}


def _second_order_facts(run: dict[str, Any]) -> dict[str, Any]:
    items = [{"type": "list", "items": run["grads"]}, fact(run["has_graph"]), {"type": "list", "items": run["second"]}]
    return {"type": "list", "items": items}


__all__ = ["NO_GRAPH_HINT", "judge_function_double_backward", "signature"]
