"""What every check kind's judge speaks: a case's verdict, its context, and the verdicts all kinds share.

A judge compares a student's observation with the reference's on the same probe
and returns a :class:`CaseVerdict`; the reference failing to answer is the
course's fault and raises :class:`ReferenceFailed`. A *signature* is the part of
an observation that says how the code behaved, used to recognise a declared
mutant's behaviour; the helpers here build the parts all kinds share.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.compare import Mismatch, type_phrase
from grader.student_errors import describe_error, hint_for, is_not_started

if TYPE_CHECKING:
    from grader.course.schema import Check, Tolerance


class ReferenceFailed(Exception):
    """The reference solution (or a mutant) could not answer a probe: the course is broken, not the student."""


def reference_error(error: dict[str, Any]) -> str:
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

Signature = Callable[[dict[str, Any]], dict[str, Any]]
"""An observation (that did not fail as a whole) -> its behaviour, as a wire record ``compare`` understands."""


def error_verdict(error: dict[str, Any], label: str) -> CaseVerdict:
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


def mismatch_verdict(mismatch: Mismatch, context: CaseContext, prefix: str = "") -> CaseVerdict:
    return CaseVerdict(passed=False, message=f"{prefix or context.label}: {mismatch.describe(context.reveal)}")


def first_call(student: dict[str, Any], context: CaseContext) -> dict[str, Any] | CaseVerdict:
    """The student's single call that returned, or the verdict on the exception that came instead (of the module or the call)."""
    if "error" in student:
        return error_verdict(student["error"], context.label)
    call: dict[str, Any] = student["calls"][0]
    if "error" in call:
        return error_verdict(call["error"], context.label)
    return call


def reference_value(observation: dict[str, Any], key: str = "value") -> dict[str, Any]:
    if "error" in observation:
        raise ReferenceFailed(reference_error(observation["error"]))
    value: dict[str, Any] = observation[key]
    return value


def judge_raises(got: dict[str, Any], expected: dict[str, Any], key: str, context: CaseContext) -> CaseVerdict:
    """A ``raises: true`` case: the reference rejects these inputs, and so must the student."""
    if "error" not in expected:
        raise ReferenceFailed(f"the reference was expected to raise on {context.label} but returned a value")
    if "error" in got:
        if is_not_started(got["error"]):
            return error_verdict(got["error"], context.label)
        return PASSED
    return CaseVerdict(
        passed=False,
        message=f"{context.label} should raise an error (these inputs are invalid), but it returned {type_phrase(got[key])}",
        hint="Let PyTorch's own error surface: do not broadcast, reshape or catch your way around a mismatched input.",
        diagnosis="no_error_raised",
    )


def class_failure(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict | None:
    if "error" in reference:
        raise ReferenceFailed(reference_error(reference["error"]))
    if "error" in student:
        return error_verdict(student["error"], context.label)
    return None


def forward_part(observation: dict[str, Any]) -> dict[str, Any]:
    """The forward part of an ``apply`` observation, or the class-level error."""
    if "error" in observation:
        return observation
    forward: dict[str, Any] = observation["forward"]
    return forward


def grad_fn_family(grad_fn: str | None) -> str | None:
    return None if grad_fn is None else re.sub(r"\d+$", "", grad_fn)


def grads_record(observation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "list", "items": observation["grads"]}


def raised(error: dict[str, Any]) -> dict[str, Any]:
    """An exception as behaviour: its type and the gist of its message (numbers and quotes dropped,
    since they carry shapes, addresses and line numbers that differ between equivalent codes)."""
    first = (str(error.get("message", "")).strip().splitlines() or [""])[0]
    gist = re.sub(r"[0-9]+|'[^']*'|\"[^\"]*\"", "#", first)[:120]
    return {"type": "str", "value": f"raised {error.get('type')}: {gist}"}


def fact(value: object) -> dict[str, Any]:
    return {"type": "str", "value": repr(value)}


__all__ = [
    "PASSED",
    "CaseContext",
    "CaseVerdict",
    "Judge",
    "ReferenceFailed",
    "Signature",
    "class_failure",
    "error_verdict",
    "fact",
    "first_call",
    "forward_part",
    "grad_fn_family",
    "grads_record",
    "import_verdict",
    "judge_raises",
    "mismatch_verdict",
    "raised",
    "reference_error",
    "reference_value",
]
