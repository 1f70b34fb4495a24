"""``function_backward``: a custom Function's gradients at every upstream gradient, and the work it skips.

Named probes come before the generic comparison (STYLE.md principle 7): a
backward that ignores ``grad_output`` is named as such before any number is shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.kinds.factors import distinct_values
from grader.checks.kinds.verdicts import (
    PASSED,
    CaseContext,
    CaseVerdict,
    ReferenceFailed,
    error_verdict,
    fact,
    grads_record,
    raised,
    reference_error,
    reference_value,
)
from grader.compare import compare, flat_numbers, ratio
from grader.sandbox.wire import WireError


def judge_function_backward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if "error" in reference:
        raise ReferenceFailed(reference_error(reference["error"]))
    if "error" in student:
        return error_verdict(student["error"], context.label)
    upstreams = context.check.cases[0].upstreams if context.check.cases else []
    expected_runs = reference["backwards"]
    got_runs = student["backwards"]
    if not expected_runs:
        raise ReferenceFailed("the reference ran no backward: nothing to compare")
    for run in expected_runs:
        reference_value(run, "grads")
    for run in got_runs:
        if "error" in run:
            return error_verdict(run["error"], f"backward of {context.label}")
    for index, (got, want) in enumerate(zip(got_runs, expected_runs, strict=True)):
        mismatch = compare(grads_record(got), grads_record(want), context.tolerances, "gradient")
        if mismatch:
            which = f"upstream gradient {index + 1} of {len(expected_runs)}"
            if context.reveal and index < len(upstreams):
                which = f"upstream gradient {upstreams[index]!r}"
            message = f"{context.label}, {which}: {mismatch.describe(context.reveal)}"
            if any(g.get("type") == "none" and w.get("type") != "none" for g, w in zip(got["grads"], want["grads"], strict=True)):
                message = f"{context.label}: backward returned None for an input that needs a gradient"
            # the named probes look at every upstream gradient, but only once one of them is wrong
            diagnosis = _diagnose_backward([grads_record(r) for r in got_runs], [grads_record(r) for r in expected_runs], context.reveal)
            if diagnosis:
                hint, name, factor = diagnosis
                support = tuple(dict.fromkeys(v for r in expected_runs for v in distinct_values(grads_record(r))))[:4]
                return CaseVerdict(
                    False, f"{hint} ({message})", hint=hint, diagnosis=name, factor=factor, support=support, factor_per_input=True
                )
            return CaseVerdict(False, message)
    for got, want in zip(got_runs, expected_runs, strict=True):
        verdict = _judge_backward_economy(got, want, context)
        if not verdict.passed:
            return verdict
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    runs = observation.get("backwards", [])
    return {"type": "list", "items": [raised(run["error"]) if "error" in run else _backward_facts(run) for run in runs]}


def _backward_facts(run: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": [grads_record(run), fact((run.get("returned"), run.get("op_count")))]}


def _judge_backward_economy(got: dict[str, Any], want: dict[str, Any], context: CaseContext) -> CaseVerdict:
    """Gradients nobody needs: ``None`` where the reference returns ``None``, no more operators than it runs."""
    if "returned" in want and len(got.get("returned", [])) < len(want["returned"]):
        return CaseVerdict(
            False,
            f"{context.label}: the grader could not see which gradients your backward returns: forward must return a single tensor",
        )
    for position, want_none in enumerate(want.get("returned", []), start=1):  # the student's may go on: trailing Nones
        if want_none and not got["returned"][position - 1]:
            argument = _argument_name(position, context.input_names)
            return CaseVerdict(
                False,
                f"{context.label}: backward computed a gradient for {argument}, which does not "
                f"require one (ctx.needs_input_grad[{position - 1}] is False)",
                hint=f"Check ctx.needs_input_grad in backward and return None for the inputs that need no gradient: here "
                f"ctx.needs_input_grad[{position - 1}], for {argument}.",
                diagnosis="ignores_needs_input_grad",
            )
    if "op_count" in want and got.get("op_count") != want["op_count"]:
        operators = "/".join(context.check.count_ops)
        return CaseVerdict(
            False,
            f"{context.label}: backward ran {got.get('op_count')} {operators} operations where {want['op_count']} suffice",
            hint="Skip the work for gradients nobody needs: compute each gradient only when ctx.needs_input_grad says so.",
            diagnosis="extra_work_in_backward",
        )
    return PASSED


def _argument_name(position: int, names: tuple[str, ...]) -> str:
    """`weight` when the reference's forward names its ``position``-th input (1-based), else "forward's second argument"."""
    if 1 <= position <= len(names):
        return f"`{names[position - 1]}`"
    return f"forward's {_ordinal(position)} argument"


def _ordinal(position: int) -> str:
    """1 -> "first": an argument named as a reader counts, beside the 0-based index of ``ctx.needs_input_grad``."""
    words = ("first", "second", "third", "fourth", "fifth", "sixth")
    return words[position - 1] if 1 <= position <= len(words) else f"#{position}"


def _diagnose_backward(got: list[dict[str, Any]], want: list[dict[str, Any]], reveal: bool) -> tuple[str, str, float | None] | None:
    """Named probes over all upstream gradients of one input point."""
    try:
        got_numbers = [flat_numbers(g) for g in got]
        want_numbers = [flat_numbers(w) for w in want]
    except (KeyError, ValueError, WireError):
        return None
    if any(g is None for g in got_numbers) or any(w is None for w in want_numbers) or len(got_numbers) < 2:
        return None
    same_for_all = all(np.array_equal(got_numbers[0], g) for g in got_numbers[1:])  # type: ignore[arg-type]
    reference_varies = not all(np.allclose(want_numbers[0], w) for w in want_numbers[1:])  # type: ignore[arg-type]
    if same_for_all and reference_varies:
        return (
            "Your backward returns the same gradient whatever grad_output is: multiply the local derivative by grad_output (chain rule).",
            "ignores_grad_output",
            None,
        )
    factors = [ratio(g, w) for g, w in zip(got, want, strict=True)]
    known = [k for k in factors if k is not None]
    # At one scalar point any backward linear in grad_output has a "constant factor": it says nothing then.
    informative = max(int(np.count_nonzero(w)) for w in want_numbers) >= 2  # type: ignore[arg-type]
    if informative and known and all(abs(k - known[0]) < 1e-6 for k in known) and abs(known[0] - 1) > 1e-6:
        if abs(known[0] + 1) < 1e-6:
            return "Your backward has the sign flipped: gradient = -reference.", "sign_flipped", known[0]
        factor = f" {known[0]:.6g}" if reveal else ""
        return f"Your backward is off by a constant factor{factor} (same factor at every upstream gradient).", "constant_factor", known[0]
    return None


__all__ = ["judge_function_backward", "signature"]
