"""Hints that hold across a check's inputs: a constant factor, a flipped sign, float32 rounding.

A wrong hint is worse than none, so a numerical diagnosis made on one input is
claimed for the check only when every failing input agrees (:func:`agreed_hint`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from grader.checks.kinds.verdicts import CaseVerdict, grads_record
from grader.compare import flat_numbers, ratio
from grader.course.tolerances import FLOAT32_AGREEMENT
from grader.sandbox.wire import WireError

FACTOR_DIAGNOSES = frozenset({"constant_factor", "sign_flipped", "zero"})
"""Diagnoses that claim one factor between the student's numbers and the reference's."""


def distinct_values(expected: dict[str, Any], most: int = 4) -> tuple[float, ...]:
    """A few distinct non-zero expected values: a factor seen on fewer than two of them proves nothing."""
    try:
        numbers = flat_numbers(expected)
    except (KeyError, ValueError, WireError):
        return ()
    if numbers is None:
        return ()
    distinct = np.unique(numbers[np.isfinite(numbers) & (np.abs(numbers) > 1e-12)])
    return tuple(float(v) for v in distinct[:most])


def factor_verdict(message: str, actual: dict[str, Any], expected: dict[str, Any], reveal: bool) -> CaseVerdict:
    """A failed case, with a constant factor between the student's result and the reference's when there is one.

    The factor is named only in visible checks (in a hidden one it can give a hidden input
    away: 1/lambda of a random lambda), and only once the whole check confirms it
    (:func:`grader.checks.judge.judge_check`): the same factor on every failing input, over
    at least two distinct non-zero values, at every upstream gradient.
    """
    dtype_hint = _dtype_hint(actual, expected)
    if dtype_hint is not None and dtype_hint[1] == "float32_precision":  # right but for float32 rounding: no factor
        return CaseVerdict(False, message, hint=dtype_hint[0], diagnosis=dtype_hint[1])
    k = ratio(actual, expected)
    if k is None or abs(k - 1) < 1e-3:  # a factor this close to 1 is a numerical error, not a missing constant
        if dtype_hint is not None:
            return CaseVerdict(False, message, hint=dtype_hint[0], diagnosis=dtype_hint[1])
        return CaseVerdict(False, message)
    if abs(k + 1) < 1e-6:
        note, diagnosis = "Your result has the right size but the opposite sign.", "sign_flipped"
    elif abs(k) < 1e-12:
        note, diagnosis = "Your result is zero where it should not be.", "zero"
    else:
        factor = f"exactly {k:.6g} times" if reveal else "a constant multiple of"
        note, diagnosis = f"Your result is {factor} the expected one (same factor everywhere): a constant factor is off.", "constant_factor"
    return CaseVerdict(False, message, hint=note, diagnosis=diagnosis, factor=k, support=distinct_values(expected))


_DTYPE_NAME = re.compile(r"^[a-z0-9]{1,16}$")


def _dtype_hint(actual: dict[str, Any], expected: dict[str, Any]) -> tuple[str, str] | None:
    """A hint when the student's dtype differs from the reference's, or their values are right only to float32 precision."""
    got_dtype, tensor_dtype = actual.get("dtype"), expected.get("dtype")
    want_dtype = tensor_dtype or ("float64" if expected.get("type") == "float" else None)  # a Python float is a float64
    if isinstance(got_dtype, str) and isinstance(tensor_dtype, str) and got_dtype != tensor_dtype and _DTYPE_NAME.match(got_dtype):
        return (
            f"Your result is a {got_dtype} tensor where the reference's is {want_dtype}: compute in {want_dtype} "
            f"(convert the inputs with .to(torch.{want_dtype}) before the arithmetic, not only the result).",
            "dtype",
        )
    if want_dtype != "float64" or actual.get("type") != expected.get("type"):  # a tuple around the right tensor is no rounding
        return None
    try:
        got, want = flat_numbers(actual), flat_numbers(expected)
    except (KeyError, ValueError, TypeError, WireError):
        return None
    if got is None or want is None or np.array_equal(got, want):
        return None
    if got.shape == want.shape and got.size and np.allclose(got, want, rtol=FLOAT32_AGREEMENT.rtol, atol=FLOAT32_AGREEMENT.atol):
        return (
            "Your values match the reference only to float32 precision (about 7 significant digits): some step of your "
            "computation runs in float32. Keep every step in float64.",
            "float32_precision",
        )
    return None


def agreed_hint(
    failed: list[CaseVerdict], student: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]]
) -> tuple[str | None, str | None]:
    """The first failing input's hint and diagnosis, if it holds on every failing input; else none.

    A wrong hint is worse than none. A numerical diagnosis (a constant factor, a flipped
    sign, an ignored grad_output) must be the same on every input the check failed; a
    factor must also be seen on at least two distinct non-zero values (any wrong single
    number is "k times" the right one), and at every upstream gradient the exercise's
    backward probes tried (``grad_output * dx + 6 * dx`` is 7 times right at upstream 1
    only). An exception's hint explains that exception and stays.
    """
    first = failed[0]
    if first.diagnosis is None or first.diagnosis == "exception":
        return first.hint, first.diagnosis
    if any(v.diagnosis != first.diagnosis or v.hint != first.hint for v in failed):
        return None, None
    if first.diagnosis in FACTOR_DIAGNOSES:
        factors = [v.factor for v in failed]
        if any(k is None for k in factors):
            return None, None
        per_input = all(v.factor_per_input for v in failed)  # "same factor at every upstream gradient" of each input
        if not per_input and any(not np.isclose(k, factors[0], rtol=1e-4, atol=1e-9) for k in factors):  # type: ignore[arg-type]
            return None, None
        if len({value for v in failed for value in v.support}) < 2:
            return None, None
        if not _factor_holds_at_every_upstream(student, reference):
            return None, None
    return first.hint, first.diagnosis


def _factor_holds_at_every_upstream(student: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]]) -> bool:
    """At each input of the exercise's backward probes, every upstream gradient tried gives one and the same factor.

    A backward with a term that ignores the upstream (``grad_output * dx + 6 * dx``) is 7 times right at
    upstream 1, 3 times at upstream 3: no factor. One that forgets a constant (1/lambda) keeps its
    factor at every upstream, even if the factor changes with the input.
    """
    for probe_id, want in reference.items():
        got = student.get(probe_id)
        if not isinstance(got, dict) or not isinstance(want, dict) or "backwards" not in want or "backwards" not in got:
            continue
        got_runs, want_runs = got.get("backwards") or [], want.get("backwards") or []
        if len(got_runs) != len(want_runs):  # not every upstream answered: the factor is not shown to hold at each
            return False
        factors: list[float] = []
        for got_run, want_run in zip(got_runs, want_runs, strict=True):
            try:
                mine, right = flat_numbers(grads_record(got_run)), flat_numbers(grads_record(want_run))
            except (KeyError, ValueError, TypeError, WireError):
                continue
            if mine is None or right is None or mine.shape != right.shape or np.allclose(mine, right, rtol=1e-5, atol=1e-8):
                continue
            k = ratio(grads_record(got_run), grads_record(want_run))
            if k is None:
                return False
            factors.append(k)
        if any(not np.isclose(k, factors[0], rtol=1e-4, atol=1e-9) for k in factors):
            return False
    return True


__all__ = ["FACTOR_DIAGNOSES", "agreed_hint", "distinct_values", "factor_verdict"]
