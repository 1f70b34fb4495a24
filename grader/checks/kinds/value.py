"""``value``: a plain function's return value, and optionally its tensor arguments after the call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.checks.kinds.calls import call_signature, reference_calls, returned_facts
from grader.checks.kinds.factors import factor_verdict
from grader.checks.kinds.verdicts import (
    PASSED,
    CaseContext,
    CaseVerdict,
    error_verdict,
    judge_raises,
    mismatch_verdict,
    reference_value,
)
from grader.compare import compare


def judge_value(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected_calls = reference_calls(reference)
    if "error" in student:  # the module could not be loaded at all
        return error_verdict(student["error"], context.label)
    if context.check.raises:
        return judge_raises(student["calls"][0], expected_calls[0], "value", context)
    for index, (call, expected_call) in enumerate(zip(student["calls"], expected_calls, strict=True)):
        expected = reference_value(expected_call)
        label = context.label if len(expected_calls) == 1 else f"call {index + 1} of {context.label}"
        if "error" in call:
            return error_verdict(call["error"], label)
        mismatch = compare(call["value"], expected, context.tolerances)
        if mismatch is None:
            if context.check.observe_args and not (verdict := _judge_arguments(call, expected_call, context)).passed:
                return verdict
            continue
        if index > 0:
            return CaseVerdict(
                passed=False,
                message=f"the first call was right, but {label} {mismatch.describe(False)}",
                hint="Your function keeps state between calls (for example a module-level tensor whose .grad accumulates): "
                "create fresh tensors inside the function on every call.",
                diagnosis="state_between_calls",
            )
        return factor_verdict(mismatch_verdict(mismatch, context).message, call["value"], expected, context.reveal)
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return call_signature(observation, returned_facts)


def _judge_arguments(call: dict[str, Any], expected_call: dict[str, Any], context: CaseContext) -> CaseVerdict:
    """``observe_args``: the tensor arguments after the call, against the reference's.

    An argument is named as the reference solution names it (the student's own
    names are never shown), by its position when it has none.
    """
    for number, (got, want) in enumerate(zip(call["args_after"], expected_call["args_after"], strict=True), start=1):
        if not want.get("tensor"):
            continue
        name = want.get("name")
        where = f"{context.label}: " + (f"the argument `{name}`" if type(name) is str else f"argument {number}")
        for aspect in context.check.observe_args:
            verdict = _ARGUMENT_ASPECTS[aspect](got, want, where, name if type(name) is str else f"argument {number}", context)
            if not verdict.passed:
                return verdict
    return PASSED


def _argument_value(got: dict[str, Any], want: dict[str, Any], where: str, _name: str, context: CaseContext) -> CaseVerdict:
    if mismatch := compare(got["value"], want["value"], context.tolerances, "its value"):
        return CaseVerdict(
            False,
            f"{where} was changed by your function: after the call {mismatch.describe(context.reveal)}",
            hint="Leave the caller's tensor as it was: work on a copy (x.detach().clone()), or restore every element you perturb.",
            diagnosis="input_modified",
        )
    return PASSED


def _argument_version(got: dict[str, Any], want: dict[str, Any], where: str, _name: str, _context: CaseContext) -> CaseVerdict:
    if got["version_changed"] == want["version_changed"]:
        return PASSED
    if got["version_changed"]:
        return CaseVerdict(
            False,
            f"{where} was modified in place (its version counter moved)",
            hint="An in-place operation (x += ..., x.mul_(...), x[i] = ...) changed the caller's tensor: "
            "use out-of-place operations on a copy.",
            diagnosis="input_modified_in_place",
        )
    return CaseVerdict(False, f"{where} should be modified in place, and it was not")


def _argument_grad(got: dict[str, Any], want: dict[str, Any], where: str, _name: str, context: CaseContext) -> CaseVerdict:
    if not (mismatch := compare(got["grad"], want["grad"], context.tolerances, "its .grad")):
        return PASSED
    if want["grad"].get("type") == "none":
        return CaseVerdict(
            False,
            f"{where}: your function filled its .grad, which must stay untouched",
            hint="torch.autograd.grad returns the gradients without writing .grad; backward() accumulates into .grad.",
            diagnosis="grad_touched",
        )
    return CaseVerdict(False, f"{where}: {mismatch.describe(context.reveal)}")


def _argument_requires_grad(got: dict[str, Any], want: dict[str, Any], _where: str, name: str, context: CaseContext) -> CaseVerdict:
    """``requires_grad`` and ``is_leaf`` of the caller's tensor, after the call: ``x.requires_grad_()`` changes the caller's."""
    for fact in ("requires_grad", "is_leaf"):
        if got[fact] != want[fact]:
            return CaseVerdict(
                False,
                f"{context.label}: your function changed {fact} of the caller's tensor `{name}` (it is {got[fact]} after the call; "
                f"it was {want[fact]})",
                hint="Leave the caller's tensor alone: make your own leaf with leaf = x.detach().clone().requires_grad_(True) "
                "and differentiate that; x.requires_grad_() changes the caller's tensor.",
                diagnosis="requires_grad_changed",
            )
    return PASSED


_ARGUMENT_ASPECTS: dict[str, Callable[[dict[str, Any], dict[str, Any], str, str, CaseContext], CaseVerdict]] = {
    "value": _argument_value,
    "version": _argument_version,
    "grad": _argument_grad,
    "requires_grad": _argument_requires_grad,
}
"""How each aspect of ``observe_args`` (``grader.course.schema.ObservedArg``) is judged."""


__all__ = ["judge_value", "signature"]
