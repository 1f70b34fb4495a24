"""``function_forward``: a custom ``autograd.Function``'s output and the graph it builds."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.verdicts import (
    PASSED,
    CaseContext,
    CaseVerdict,
    error_verdict,
    forward_part,
    grad_fn_family,
    judge_raises,
    mismatch_verdict,
    raised,
    reference_value,
)
from grader.compare import compare


def judge_function_forward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected = forward_part(reference)
    got = forward_part(student)
    if context.check.raises:
        return judge_raises(got, expected, "output", context)
    reference_value(expected, "output")
    if "error" in got:
        return error_verdict(got["error"], context.label)
    mismatch = compare(got["output"], expected["output"], context.tolerances)
    if mismatch:
        return mismatch_verdict(mismatch, context)
    entry = context.check.entry
    if grad_fn_family(got.get("grad_fn")) != grad_fn_family(expected.get("grad_fn")):
        found = got.get("grad_fn")
        if found is None:
            detail = "the output has no grad_fn: forward's result is detached from the graph"
        else:
            detail = f"the output's grad_fn is {found}, not {expected.get('grad_fn')}: the graph was not built by your Function {entry}"
        return CaseVerdict(
            False, f"{context.label}: {detail}", hint=f"Call {entry}.apply(x) and return a tensor computed from the input in forward."
        )
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    forward = forward_part(observation)
    if "error" in forward:
        return raised(forward["error"])
    return {"type": "list", "items": [forward["output"], {"type": "str", "value": str(grad_fn_family(forward.get("grad_fn")))}]}


__all__ = ["judge_function_forward", "signature"]
