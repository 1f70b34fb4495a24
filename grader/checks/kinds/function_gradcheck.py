"""``function_gradcheck``: the student's backward against finite differences of the student's own forward."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.kinds.verdicts import PASSED, CaseContext, CaseVerdict, ReferenceFailed, error_verdict, reference_error
from grader.compare import as_float64, flat_numbers, small_floats, type_phrase
from grader.course.schema import Tolerance
from grader.sandbox.wire import WireError

GRADCHECK_TOLERANCE = Tolerance(rtol=1e-3, atol=1e-5)
"""``torch.autograd.gradcheck``'s defaults, for a float64 Jacobian against finite differences."""


def judge_function_gradcheck(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if "error" in reference:
        raise ReferenceFailed(reference_error(reference["error"]))
    if "error" in student:
        return error_verdict(student["error"], context.label)
    if student["output"].get("type") != "tensor":
        return CaseVerdict(False, f"{context.label}: forward returned {type_phrase(student['output'])}; expected a torch.Tensor")
    if not student["rows"] or not student["shifted"]:
        return CaseVerdict(False, f"{context.label}: forward returned an empty tensor: there is no Jacobian to check")
    zero = flat_numbers({"type": "list", "items": student["zero_upstream"]})
    if zero is None:
        return CaseVerdict(False, f"{context.label}: backward returned None for an input that needs a gradient")
    if np.any(zero != 0):
        message = f"{context.label}: backward not multiplied by grad_output: with grad_output = 0 it still returns nonzero gradients"
        if _invariant_to_upstream(zero, student["rows"]):
            return CaseVerdict(
                False, message, hint="Multiply the local derivative by grad_output (chain rule).", diagnosis="ignores_grad_output"
            )
        return CaseVerdict(  # it does use grad_output, but a term of it does not scale with grad_output
            False,
            message,
            hint="Part of your gradient does not scale with grad_output: by the chain rule every term of dL/dinput is "
            "multiplied by the upstream gradient, so with grad_output = 0 the whole gradient is 0.",
            diagnosis="term_without_grad_output",
        )
    eps = context.check.eps
    try:
        numerical = _finite_differences(student["shifted"], eps)
        rows = [flat_numbers({"type": "list", "items": row}) for row in student["rows"]]
    except (KeyError, ValueError, WireError):
        return CaseVerdict(False, f"{context.label}: forward did not return a tensor of a fixed shape")
    if any(row is None for row in rows):
        return CaseVerdict(False, f"{context.label}: backward returned None for an input that needs a gradient")
    analytical = np.stack(rows, axis=0)  # type: ignore[arg-type]
    if analytical.shape != numerical.shape:
        return CaseVerdict(
            False, f"{context.label}: the Jacobian from backward has shape {analytical.shape}, from forward {numerical.shape}"
        )
    allowed = GRADCHECK_TOLERANCE.atol + GRADCHECK_TOLERANCE.rtol * np.abs(numerical)
    bad = ~(np.abs(analytical - numerical) <= allowed)
    if bad.any():
        k, j = (int(i) for i in np.argwhere(bad)[0])
        numbers = f": {analytical[k, j]:.8g} from backward but {numerical[k, j]:.8g} numerically" if context.reveal else ""
        return CaseVerdict(
            False,
            f"{context.label}: your backward disagrees with finite differences of your forward: "
            f"d output[{k}] / d input[{j}] differs{numbers} ({int(bad.sum())} of {bad.size} Jacobian entries differ)",
        )
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "list",
        "items": [{"type": "list", "items": row} for row in observation.get("rows", [])]
        + [{"type": "list", "items": observation.get("zero_upstream", [])}]
        + [{"type": "list", "items": pair} for pair in observation.get("shifted", [])],
    }


def _invariant_to_upstream(zero: np.ndarray, rows: list[Any]) -> bool:
    """Whether backward gave the same gradients at upstream 0 as at every one-hot upstream (the Jacobian's rows)."""
    for row in rows:
        try:
            numbers = flat_numbers({"type": "list", "items": row})
        except (KeyError, ValueError, TypeError, WireError):
            return False
        if numbers is None or numbers.shape != zero.shape or not np.allclose(numbers, zero, rtol=1e-7, atol=1e-12):
            return False
    return True


def _finite_differences(shifted: Any, eps: float) -> np.ndarray:
    """The numerical Jacobian: column j is ``(f(x + eps e_j) - f(x - eps e_j)) / 2 eps``, flattened.

    Raises KeyError, ValueError or WireError when the forward's outputs are not
    tensors of one fixed shape.
    """
    quick = _small_pairs(shifted)
    if quick is not None:  # the same IEEE operations on the same numbers, in two numpy calls instead of four per column
        plus, minus = quick
        numerical: np.ndarray = ((plus - minus) / (2 * eps)).T
        return numerical
    return np.stack(
        [(np.asarray(as_float64(plus)).reshape(-1) - np.asarray(as_float64(minus)).reshape(-1)) / (2 * eps) for plus, minus in shifted],
        axis=1,
    )


def _small_pairs(shifted: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(outputs at x + eps e_j, outputs at x - eps e_j), one row per j, when all are small float tensors of one size."""
    if type(shifted) is not list or not shifted:
        return None
    plus: list[list[float]] = []
    minus: list[list[float]] = []
    for pair in shifted:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not dict or type(pair[1]) is not dict:
            return None
        up, down = small_floats(pair[0]), small_floats(pair[1])
        if up is None or down is None:
            return None
        plus.append(up[1])
        minus.append(down[1])
    if any(len(numbers) != len(plus[0]) for numbers in plus + minus):
        return None
    return np.array(plus, dtype=np.float64), np.array(minus, dtype=np.float64)


__all__ = ["GRADCHECK_TOLERANCE", "judge_function_gradcheck", "signature"]
