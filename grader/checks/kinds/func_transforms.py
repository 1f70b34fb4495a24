"""``func_transforms``: a plain function under ``torch.func`` transforms (grad, grad of grad, vmap, vmap of grad)."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.factors import factor_verdict
from grader.checks.kinds.verdicts import PASSED, CaseContext, CaseVerdict, ReferenceFailed, error_verdict, raised
from grader.compare import compare
from grader.student_errors import describe_error

TRANSFORM_CALLS = {
    "grad": "torch.func.grad({entry})",
    "grad_grad": "torch.func.grad(torch.func.grad({entry}))",
    "vmap": "torch.func.vmap({entry})",
    "vmap_grad": "torch.func.vmap(torch.func.grad({entry}))",
}


def judge_func_transforms(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if not context.check.transforms:
        raise ReferenceFailed("the check names no transform: nothing to compare")
    if "error" in student:
        return error_verdict(student["error"], context.label)
    for name in context.check.transforms:
        call = TRANSFORM_CALLS[name].format(entry=context.check.entry)
        want = reference["transforms"][name]
        if "error" in want:
            raise ReferenceFailed(describe_error(want["error"], f"the reference under {call}"))
        got = student["transforms"][name]
        label = f"{call} on {context.label}"
        if "error" in got:
            return error_verdict(got["error"], label)
        if mismatch := compare(got["value"], want["value"], context.tolerances):
            return factor_verdict(f"{label}: {mismatch.describe(context.reveal)}", got["value"], want["value"], context.reveal)
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    transforms = sorted(observation["transforms"].items())
    return {"type": "list", "items": [raised(got["error"]) if "error" in got else got["value"] for _, got in transforms]}


__all__ = ["TRANSFORM_CALLS", "judge_func_transforms", "signature"]
