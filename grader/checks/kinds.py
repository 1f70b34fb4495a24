"""The built-in check kinds: how one case's observation is judged.

Each judge compares a student's observation with the reference's on the
same probe and returns a :class:`CaseVerdict`. Named probes come before the
generic comparison (STYLE.md principle 7): a backward that ignores
``grad_output`` is named as such before any number is shown.

Each kind also has a *signature*: the part of an observation that says how
the code behaved, used to recognise a declared mutant's behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.compare import Mismatch, as_float64, compare, flat_numbers, ratio, small_floats, type_phrase
from grader.course.schema import Check, Tolerance
from grader.sandbox.wire import WireError
from grader.student_errors import describe_error, hint_for, is_not_started

GRADCHECK_TOLERANCE = Tolerance(rtol=1e-3, atol=1e-5)
"""``torch.autograd.gradcheck``'s defaults, for a float64 Jacobian against finite differences."""


class ReferenceFailed(Exception):
    """The reference solution (or a mutant) could not answer a probe: the course is broken, not the student."""


def _reference_error(error: dict[str, Any]) -> str:
    """What the reference raised, without its frames: the message reaches students' records, the solution's lines must not."""
    return describe_error({**error, "frames": []}, "the reference")


@dataclass(frozen=True)
class CaseVerdict:
    passed: bool
    message: str = ""
    hint: str | None = None
    diagnosis: str | None = None
    not_started: bool = False
    factor: float | None = None
    """For a constant-factor diagnosis: the factor, so the check can see that every failing input shares it."""
    support: tuple[float, ...] = ()
    """For a constant-factor diagnosis: distinct non-zero expected values the factor was seen on (a few at most)."""
    factor_per_input: bool = False
    """The hint claims one factor per input (across its upstream gradients), not one for the whole check."""


PASSED = CaseVerdict(passed=True)


@dataclass(frozen=True)
class CaseContext:
    check: Check
    label: str
    tolerances: dict[str, Tolerance]
    reveal: bool
    """Visible checks may show expected values; hidden ones never do."""
    input_names: tuple[str, ...] = ()
    """The Function's forward parameters (from the reference solution), to name an input; empty: by position."""


Judge = Callable[[dict[str, Any], dict[str, Any], CaseContext], CaseVerdict]


def _error_verdict(error: dict[str, Any], label: str) -> CaseVerdict:
    if is_not_started(error):
        return CaseVerdict(passed=False, message=f"not started: {label} still raises NotImplementedError", not_started=True)
    return CaseVerdict(passed=False, message=describe_error(error, label), hint=hint_for(error), diagnosis="exception")


def import_verdict(error: dict[str, Any], exercise: str) -> CaseVerdict:
    """Every check of a file whose import raised: that error, its line, first; nothing in the file could be checked."""
    if is_not_started(error):
        return CaseVerdict(passed=False, message=f"not started: importing {exercise}.py raises NotImplementedError", not_started=True)
    return CaseVerdict(
        passed=False,
        message=describe_error(error, f"importing {exercise}.py"),
        hint=f"Your file raised {str(error.get('type', 'an exception'))[:80]} while it was being imported, so nothing in it could "
        "be checked: fix the line shown first (run `python " + f"{exercise}.py` to see the whole traceback).",
        diagnosis="import_error",
    )


def _mismatch_verdict(mismatch: Mismatch, context: CaseContext, prefix: str = "") -> CaseVerdict:
    return CaseVerdict(passed=False, message=f"{prefix or context.label}: {mismatch.describe(context.reveal)}")


def _reference_value(observation: dict[str, Any], key: str = "value") -> dict[str, Any]:
    if "error" in observation:
        raise ReferenceFailed(_reference_error(observation["error"]))
    value: dict[str, Any] = observation[key]
    return value


FACTOR_DIAGNOSES = frozenset({"constant_factor", "sign_flipped", "zero"})
"""Diagnoses that claim one factor between the student's numbers and the reference's."""


def _support(expected: dict[str, Any], most: int = 4) -> tuple[float, ...]:
    """A few distinct non-zero expected values: a factor seen on fewer than two of them proves nothing."""
    try:
        numbers = flat_numbers(expected)
    except (KeyError, ValueError, WireError):
        return ()
    if numbers is None:
        return ()
    distinct = np.unique(numbers[np.isfinite(numbers) & (np.abs(numbers) > 1e-12)])
    return tuple(float(v) for v in distinct[:most])


def _factor_verdict(message: str, actual: dict[str, Any], expected: dict[str, Any], reveal: bool) -> CaseVerdict:
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
    return CaseVerdict(False, message, hint=note, diagnosis=diagnosis, factor=k, support=_support(expected))


_DTYPE_NAME = re.compile(r"^[a-z0-9]{1,16}$")
FLOAT32_AGREEMENT = Tolerance(rtol=1.3e-6, atol=1e-5)
"""Values this close to a float64 reference are right to a float32's precision: a float32 step, not a wrong formula."""


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
                mine, right = flat_numbers(_grads(got_run)), flat_numbers(_grads(want_run))
            except (KeyError, ValueError, TypeError, WireError):
                continue
            if mine is None or right is None or mine.shape != right.shape or np.allclose(mine, right, rtol=1e-5, atol=1e-8):
                continue
            k = ratio(_grads(got_run), _grads(want_run))
            if k is None:
                return False
            factors.append(k)
        if any(not np.isclose(k, factors[0], rtol=1e-4, atol=1e-9) for k in factors):
            return False
    return True


def _judge_raises(got: dict[str, Any], expected: dict[str, Any], key: str, context: CaseContext) -> CaseVerdict:
    """A ``raises: true`` case: the reference rejects these inputs, and so must the student."""
    if "error" not in expected:
        raise ReferenceFailed(f"the reference was expected to raise on {context.label} but returned a value")
    if "error" in got:
        if is_not_started(got["error"]):
            return _error_verdict(got["error"], context.label)
        return PASSED
    return CaseVerdict(
        passed=False,
        message=f"{context.label} should raise an error (these inputs are invalid), but it returned {type_phrase(got[key])}",
        hint="Let PyTorch's own error surface: do not broadcast, reshape or catch your way around a mismatched input.",
        diagnosis="no_error_raised",
    )


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


def _reference_calls(reference: dict[str, Any]) -> list[dict[str, Any]]:
    """The reference's calls of a ``call`` probe; none at all is a broken course, never an empty comparison."""
    if "error" in reference:
        raise ReferenceFailed(_reference_error(reference["error"]))
    calls: list[dict[str, Any]] = reference.get("calls", [])
    if not calls:
        raise ReferenceFailed("the reference answered no call: nothing to compare")
    return calls


def judge_value(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    reference_calls = _reference_calls(reference)
    if "error" in student:  # the module could not be loaded at all
        return _error_verdict(student["error"], context.label)
    if context.check.raises:
        return _judge_raises(student["calls"][0], reference_calls[0], "value", context)
    for index, (call, expected_call) in enumerate(zip(student["calls"], reference_calls, strict=True)):
        expected = _reference_value(expected_call)
        label = context.label if len(reference_calls) == 1 else f"call {index + 1} of {context.label}"
        if "error" in call:
            return _error_verdict(call["error"], label)
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
        return _factor_verdict(_mismatch_verdict(mismatch, context).message, call["value"], expected, context.reveal)
    return PASSED


def _family(grad_fn: str | None) -> str | None:
    return None if grad_fn is None else re.sub(r"\d+$", "", grad_fn)


def judge_graph(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected_call = _reference_calls(reference)[0]
    expected = _reference_value(expected_call)
    if expected.get("type") != "dict" or not expected["items"]:
        raise ReferenceFailed("the reference of a graph check returned no tensors to compare")
    if "error" in student:
        return _error_verdict(student["error"], context.label)
    call = student["calls"][0]
    if "error" in call:
        return _error_verdict(call["error"], context.label)
    value = call["value"]
    if value.get("type") != "dict":
        return CaseVerdict(False, f"{context.label} returned {type_phrase(value)}; expected {type_phrase(expected)}")
    for key, want in expected["items"].items():
        got = value["items"].get(key)
        if got is None:
            return CaseVerdict(False, f"{context.label}: the dict has no key {key!r}")
        if got.get("type") != "tensor":
            return CaseVerdict(False, f"{context.label}: [{key!r}] is {type_phrase(got)}; expected a torch.Tensor")
        for fact, wording in (("is_leaf", "is_leaf"), ("requires_grad", "requires_grad")):
            if got.get(fact) != want.get(fact):
                return CaseVerdict(False, f"{context.label}: [{key!r}].{wording} is {got.get(fact)}; expected {want.get(fact)}")
        if _family(got.get("grad_fn")) != _family(want.get("grad_fn")):
            expected_fn = f"a grad_fn like {want['grad_fn']}" if want.get("grad_fn") else "no grad_fn"
            return CaseVerdict(False, f"{context.label}: [{key!r}].grad_fn is {got.get('grad_fn')}; expected {expected_fn}")
        mismatch = compare(got, want, context.tolerances, f"[{key!r}]")
        if mismatch:
            return _mismatch_verdict(mismatch, context)
    if "grad" in expected_call:
        backward = context.check.backward or {}
        if "grad" not in call:
            return CaseVerdict(False, f"{context.label}: could not run {backward.get('of')}.backward()")
        mismatch = compare(call["grad"], expected_call["grad"], context.tolerances)
        if mismatch:
            return _mismatch_verdict(mismatch, context, f"after {backward.get('of')}.backward(), {backward.get('grad_of')}.grad")
    return PASSED


def _figure_lines(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["label"]: line for axes in record.get("axes", []) for line in axes.get("lines", [])}


def judge_figure(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected = _reference_value(_reference_calls(reference)[0])
    if not _figure_lines(expected):
        raise ReferenceFailed("the reference's figure has no labelled line to compare")
    if "error" in student:
        return _error_verdict(student["error"], context.label)
    call = student["calls"][0]
    if "error" in call:
        return _error_verdict(call["error"], context.label)
    figure = call["value"]
    if figure.get("type") != "figure":
        return CaseVerdict(False, f"{context.label} returned {type_phrase(figure)}; expected a matplotlib Figure")
    lines = _figure_lines(figure)
    for label, want in _figure_lines(expected).items():
        got = lines.get(label)
        if got is None:
            return CaseVerdict(False, f"{context.label}: no line labelled {label!r} (found labels {sorted(lines)})")
        for axis in ("x", "y"):
            mismatch = compare(got[axis], want[axis], context.tolerances, f"line {label!r} {axis} data")
            if mismatch:
                return _mismatch_verdict(mismatch, context)
    expected_labels = {axes.get("xlabel") for axes in expected.get("axes", []) if axes.get("xlabel")}
    found_labels = {axes.get("xlabel") for axes in figure.get("axes", [])}
    missing = expected_labels - found_labels
    if missing:
        return CaseVerdict(
            False, f"{context.label}: the x axis label should be {sorted(missing)[0]!r}, found {sorted(map(str, found_labels))}"
        )
    return PASSED


def _forward(observation: dict[str, Any]) -> dict[str, Any]:
    """The forward part of an ``apply`` observation, or the class-level error."""
    if "error" in observation:
        return observation
    forward: dict[str, Any] = observation["forward"]
    return forward


def judge_function_forward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected = _forward(reference)
    got = _forward(student)
    if context.check.raises:
        return _judge_raises(got, expected, "output", context)
    _reference_value(expected, "output")
    if "error" in got:
        return _error_verdict(got["error"], context.label)
    mismatch = compare(got["output"], expected["output"], context.tolerances)
    if mismatch:
        return _mismatch_verdict(mismatch, context)
    entry = context.check.entry
    if _family(got.get("grad_fn")) != _family(expected.get("grad_fn")):
        found = got.get("grad_fn")
        if found is None:
            detail = "the output has no grad_fn: forward's result is detached from the graph"
        else:
            detail = f"the output's grad_fn is {found}, not {expected.get('grad_fn')}: the graph was not built by your Function {entry}"
        return CaseVerdict(
            False, f"{context.label}: {detail}", hint=f"Call {entry}.apply(x) and return a tensor computed from the input in forward."
        )
    return PASSED


def _grads(observation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": observation["grads"]}


def judge_function_backward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if "error" in reference:
        raise ReferenceFailed(_reference_error(reference["error"]))
    if "error" in student:
        return _error_verdict(student["error"], context.label)
    upstreams = context.check.cases[0].upstreams if context.check.cases else []
    expected_runs = reference["backwards"]
    got_runs = student["backwards"]
    if not expected_runs:
        raise ReferenceFailed("the reference ran no backward: nothing to compare")
    for run in expected_runs:
        _reference_value(run, "grads")
    for run in got_runs:
        if "error" in run:
            return _error_verdict(run["error"], f"backward of {context.label}")
    for index, (got, want) in enumerate(zip(got_runs, expected_runs, strict=True)):
        mismatch = compare(_grads(got), _grads(want), context.tolerances, "gradient")
        if mismatch:
            which = f"upstream gradient {index + 1} of {len(expected_runs)}"
            if context.reveal and index < len(upstreams):
                which = f"upstream gradient {upstreams[index]!r}"
            message = f"{context.label}, {which}: {mismatch.describe(context.reveal)}"
            if any(g.get("type") == "none" and w.get("type") != "none" for g, w in zip(got["grads"], want["grads"], strict=True)):
                message = f"{context.label}: backward returned None for an input that needs a gradient"
            # the named probes look at every upstream gradient, but only once one of them is wrong
            diagnosis = _diagnose_backward([_grads(r) for r in got_runs], [_grads(r) for r in expected_runs], context.reveal)
            if diagnosis:
                hint, name, factor = diagnosis
                support = tuple(dict.fromkeys(v for r in expected_runs for v in _support(_grads(r))))[:4]
                return CaseVerdict(
                    False, f"{hint} ({message})", hint=hint, diagnosis=name, factor=factor, support=support, factor_per_input=True
                )
            return CaseVerdict(False, message)
    for got, want in zip(got_runs, expected_runs, strict=True):
        verdict = _judge_backward_economy(got, want, context)
        if not verdict.passed:
            return verdict
    return PASSED


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


def judge_function_gradcheck(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if "error" in reference:
        raise ReferenceFailed(_reference_error(reference["error"]))
    if "error" in student:
        return _error_verdict(student["error"], context.label)
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


NO_GRAPH_HINT = (
    "Your gradient carries no graph, so double backward sees a zero second derivative. Compute backward with "
    "differentiable torch operations from tensors saved with ctx.save_for_backward (return intermediates as extra "
    "outputs and save those): not from tensors kept as ctx attributes, not under torch.no_grad() or "
    "@once_differentiable, not through .detach() or numpy."
)


def _class_failure(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict | None:
    if "error" in reference:
        raise ReferenceFailed(_reference_error(reference["error"]))
    if "error" in student:
        return _error_verdict(student["error"], context.label)
    return None


def judge_function_double_backward(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if (failure := _class_failure(student, reference, context)) is not None:
        return failure
    if not reference["runs"]:
        raise ReferenceFailed("the reference ran no double backward: nothing to compare")
    for index, (got, want) in enumerate(zip(student["runs"], reference["runs"], strict=True)):
        which = f"{context.label}, upstream gradient {index + 1}"
        if "error" in want:
            raise ReferenceFailed(describe_error(want["error"], "the reference"))
        if "error" in got:
            return _error_verdict(got["error"], f"double backward of {context.label}")
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
            return _factor_verdict(f"{which}: {second.describe(context.reveal)}", got_second, want_second, context.reveal)
    return PASSED


def judge_function_inplace(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    if (failure := _class_failure(student, reference, context)) is not None:
        return failure
    got, want = student["on_copy"], reference["on_copy"]
    if "error" in want:
        raise ReferenceFailed(describe_error(want["error"], "the reference"))
    if "error" in got:
        return _error_verdict(got["error"], context.label)
    entry = context.check.entry
    if mismatch := compare(got["output"], want["output"], context.tolerances):
        return _mismatch_verdict(mismatch, context)
    if _family(got.get("grad_fn")) != _family(want.get("grad_fn")):
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
        return _mismatch_verdict(mismatch, context)
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
        return _error_verdict(student["error"], context.label)
    for name in context.check.transforms:
        call = TRANSFORM_CALLS[name].format(entry=context.check.entry)
        want = reference["transforms"][name]
        if "error" in want:
            raise ReferenceFailed(describe_error(want["error"], f"the reference under {call}"))
        got = student["transforms"][name]
        label = f"{call} on {context.label}"
        if "error" in got:
            return _error_verdict(got["error"], label)
        if mismatch := compare(got["value"], want["value"], context.tolerances):
            return _factor_verdict(f"{label}: {mismatch.describe(context.reveal)}", got["value"], want["value"], context.reveal)
    return PASSED


JUDGES: dict[str, Judge] = {
    "value": judge_value,
    "graph": judge_graph,
    "figure": judge_figure,
    "function_forward": judge_function_forward,
    "function_backward": judge_function_backward,
    "function_gradcheck": judge_function_gradcheck,
    "function_double_backward": judge_function_double_backward,
    "function_inplace": judge_function_inplace,
    "func_transforms": judge_func_transforms,
}
"""One judge per check kind; ``grader.course.schema.CheckKind`` lists the same names."""


def _raised(error: dict[str, Any]) -> dict[str, Any]:
    """An exception as behaviour: its type and the gist of its message (numbers and quotes dropped,
    since they carry shapes, addresses and line numbers that differ between equivalent codes)."""
    first = (str(error.get("message", "")).strip().splitlines() or [""])[0]
    gist = re.sub(r"[0-9]+|'[^']*'|\"[^\"]*\"", "#", first)[:120]
    return {"type": "str", "value": f"raised {error.get('type')}: {gist}"}


def _graph_facts(value: dict[str, Any]) -> dict[str, Any]:
    """The autograd facts of a dict of tensors, which a graph check judges besides the values."""
    if value.get("type") != "dict":
        return {"type": "str", "value": type_phrase(value)}
    facts = {
        key: (item.get("is_leaf"), item.get("requires_grad"), _family(item.get("grad_fn")))
        if item.get("type") == "tensor"
        else type_phrase(item)
        for key, item in sorted(value["items"].items())
    }
    return {"type": "str", "value": repr(facts)}


def _fact(value: object) -> dict[str, Any]:
    return {"type": "str", "value": repr(value)}


def _argument_facts(arguments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for argument in arguments:
        if argument.get("tensor"):
            flags = (argument.get("version_changed"), argument.get("requires_grad"), argument.get("is_leaf"))
            facts.extend([argument["value"], _fact(flags), argument["grad"]])
    return facts


def _backward_facts(run: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": [_grads(run), _fact((run.get("returned"), run.get("op_count")))]}


def _second_order_facts(run: dict[str, Any]) -> dict[str, Any]:
    items = [{"type": "list", "items": run["grads"]}, _fact(run["has_graph"]), {"type": "list", "items": run["second"]}]
    return {"type": "list", "items": items}


def _inplace_facts(run: dict[str, Any]) -> dict[str, Any]:
    if "error" in run:
        return _raised(run["error"])
    facts = _fact((run["same_object"], run["version_bumped"], _family(run.get("grad_fn"))))
    return {"type": "list", "items": [run["output"], run["input_after"], facts, run.get("grad", {"type": "none"})]}


def _raised_or_not(run: dict[str, Any]) -> dict[str, Any]:
    return _raised(run["error"]) if "error" in run else _fact("returned")


def signature(kind: str, observation: dict[str, Any]) -> dict[str, Any]:
    """The behaviour-defining part of an observation, as a wire record ``compare`` understands.

    It holds everything the kind's judge looks at, so a mutant is recognised
    only when the student's code behaves like it in every judged respect. An
    exception counts as behaviour too (type and message gist).
    """
    if "error" in observation:
        return _raised(observation["error"])
    if kind in ("value", "graph", "figure"):
        items: list[dict[str, Any]] = []
        for call in observation.get("calls", []):
            if "error" in call:
                items.append(_raised(call["error"]))
            elif kind == "figure":
                figure = call["value"]
                labels = sorted(_figure_lines(figure)) if figure.get("type") == "figure" else [type_phrase(figure)]
                xlabels = sorted(str(axes.get("xlabel")) for axes in figure.get("axes", []))
                items.append({"type": "str", "value": repr((labels, xlabels))})
                items.extend(line[axis] for line in _figure_lines(figure).values() for axis in ("x", "y"))
            else:
                items.append(call["value"])
                if kind == "graph":
                    items.append(_graph_facts(call["value"]))
                if "grad" in call:
                    items.append(call["grad"])
                items.extend(_argument_facts(call.get("args_after", [])))
        return {"type": "list", "items": items}
    if kind == "function_forward":
        forward = _forward(observation)
        if "error" in forward:
            return _raised(forward["error"])
        return {"type": "list", "items": [forward["output"], {"type": "str", "value": str(_family(forward.get("grad_fn")))}]}
    if kind == "function_backward":
        return {
            "type": "list",
            "items": [_raised(run["error"]) if "error" in run else _backward_facts(run) for run in observation.get("backwards", [])],
        }
    if kind == "function_double_backward":
        return {
            "type": "list",
            "items": [_raised(run["error"]) if "error" in run else _second_order_facts(run) for run in observation["runs"]],
        }
    if kind == "function_inplace":
        return {"type": "list", "items": [_inplace_facts(observation["on_copy"]), _raised_or_not(observation["on_leaf"])]}
    if kind == "func_transforms":
        return {
            "type": "list",
            "items": [_raised(got["error"]) if "error" in got else got["value"] for _, got in sorted(observation["transforms"].items())],
        }
    if kind == "function_gradcheck":
        return {
            "type": "list",
            "items": [{"type": "list", "items": row} for row in observation.get("rows", [])]
            + [{"type": "list", "items": observation.get("zero_upstream", [])}]
            + [{"type": "list", "items": pair} for pair in observation.get("shifted", [])],
        }
    return {"type": "none"}


__all__ = ["CaseContext", "CaseVerdict", "JUDGES", "ReferenceFailed", "agreed_hint", "import_verdict", "signature"]
