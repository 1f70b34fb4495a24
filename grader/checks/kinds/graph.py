"""``graph``: a dict of tensors, judged on their autograd facts (leaf, requires_grad, grad_fn) and values."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.calls import call_signature, reference_calls, returned_facts
from grader.checks.kinds.verdicts import (
    PASSED,
    CaseContext,
    CaseVerdict,
    ReferenceFailed,
    first_call,
    grad_fn_family,
    mismatch_verdict,
    reference_value,
)
from grader.compare import compare, type_phrase


def judge_graph(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected_call = reference_calls(reference)[0]
    expected = reference_value(expected_call)
    if expected.get("type") != "dict" or not expected["items"]:
        raise ReferenceFailed("the reference of a graph check returned no tensors to compare")
    call = first_call(student, context)
    if isinstance(call, CaseVerdict):
        return call
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
        if grad_fn_family(got.get("grad_fn")) != grad_fn_family(want.get("grad_fn")):
            expected_fn = f"a grad_fn like {want['grad_fn']}" if want.get("grad_fn") else "no grad_fn"
            return CaseVerdict(False, f"{context.label}: [{key!r}].grad_fn is {got.get('grad_fn')}; expected {expected_fn}")
        mismatch = compare(got, want, context.tolerances, f"[{key!r}]")
        if mismatch:
            return mismatch_verdict(mismatch, context)
    if "grad" in expected_call:
        backward = context.check.backward or {}
        if "grad" not in call:
            return CaseVerdict(False, f"{context.label}: could not run {backward.get('of')}.backward()")
        mismatch = compare(call["grad"], expected_call["grad"], context.tolerances)
        if mismatch:
            return mismatch_verdict(mismatch, context, f"after {backward.get('of')}.backward(), {backward.get('grad_of')}.grad")
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return call_signature(observation, lambda call: [call["value"], _graph_facts(call["value"]), *returned_facts(call)[1:]])


def _graph_facts(value: dict[str, Any]) -> dict[str, Any]:
    """The autograd facts of a dict of tensors, which a graph check judges besides the values."""
    if value.get("type") != "dict":
        return {"type": "str", "value": type_phrase(value)}
    facts = {
        key: (item.get("is_leaf"), item.get("requires_grad"), grad_fn_family(item.get("grad_fn")))
        if item.get("type") == "tensor"
        else type_phrase(item)
        for key, item in sorted(value["items"].items())
    }
    return {"type": "str", "value": repr(facts)}


__all__ = ["judge_graph", "signature"]
