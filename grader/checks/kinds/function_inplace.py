"""``function_inplace``: a Function that changes its input in place, marks it dirty, and refuses a leaf."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.verdicts import (
    PASSED,
    CaseContext,
    CaseVerdict,
    ReferenceFailed,
    class_failure,
    error_verdict,
    fact,
    grad_fn_family,
    mismatch_verdict,
    raised,
)
from grader.compare import compare
from grader.student_errors import describe_error


def judge_function_inplace(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if (failure := class_failure(student, reference, context)) is not None:
        return failure
    got, want = student["on_copy"], reference["on_copy"]
    if "error" in want:
        raise ReferenceFailed(describe_error(want["error"], "the reference"))
    if "error" in got:
        return error_verdict(got["error"], context.label)
    entry = context.check.entry
    if mismatch := compare(got["output"], want["output"], context.tolerances):
        return mismatch_verdict(mismatch, context)
    if grad_fn_family(got.get("grad_fn")) != grad_fn_family(want.get("grad_fn")):
        return CaseVerdict(
            False,
            f"{context.label}: after apply, the input's grad_fn is {got.get('grad_fn')}, not {want.get('grad_fn')}",
            hint=f"Call ctx.mark_dirty(x) in {entry}.forward so autograd knows the input was changed in place.",
            diagnosis="no_mark_dirty",
        )
    if not got["same_object"]:
        return CaseVerdict(False, f"{context.label}: apply returned a new tensor, not the input it changed in place")
    if mismatch := compare(got["input_after"], want["input_after"], context.tolerances, "the input after apply"):
        return CaseVerdict(False, f"{context.label}: the input itself must hold the result: {mismatch.describe(context.reveal)}")
    if not got["version_bumped"]:
        return CaseVerdict(
            False,
            f"{context.label}: the input was changed behind autograd's back (its version counter did not move)",
            hint="Change the tensor itself with an in-place operation such as x.mul_(k), not through x.data.",
            diagnosis="untracked_change",
        )
    if mismatch := compare(got["grad"], want["grad"], context.tolerances, "the gradient"):
        return mismatch_verdict(mismatch, context)
    leaf, expected_leaf = student["on_leaf"], reference["on_leaf"]
    if "error" not in expected_leaf:
        raise ReferenceFailed("the reference was expected to raise on a leaf that requires grad")
    if "error" not in leaf:
        return CaseVerdict(
            False,
            f"{entry}.apply on a leaf that requires grad should raise (a leaf cannot be changed in place), and it did not",
            hint="Change x itself in place (x.mul_(k)) and mark it with ctx.mark_dirty(x); autograd then rejects leaves for you.",
        )
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": [_inplace_facts(observation["on_copy"]), _raised_or_not(observation["on_leaf"])]}


def _inplace_facts(run: dict[str, Any]) -> dict[str, Any]:
    if "error" in run:
        return raised(run["error"])
    facts = fact((run["same_object"], run["version_bumped"], grad_fn_family(run.get("grad_fn"))))
    return {"type": "list", "items": [run["output"], run["input_after"], facts, run.get("grad", {"type": "none"})]}


def _raised_or_not(run: dict[str, Any]) -> dict[str, Any]:
    return raised(run["error"]) if "error" in run else fact("returned")


__all__ = ["judge_function_inplace", "signature"]
