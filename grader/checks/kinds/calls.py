"""What the kinds that call a plain function (``value``, ``graph``, ``figure``) share: the ``call`` probe's answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.checks.kinds.verdicts import ReferenceFailed, fact, raised, reference_error


def reference_calls(reference: dict[str, Any]) -> list[dict[str, Any]]:
    """The reference's calls of a ``call`` probe; none at all is a broken course, never an empty comparison."""
    if "error" in reference:
        raise ReferenceFailed(reference_error(reference["error"]))
    calls: list[dict[str, Any]] = reference.get("calls", [])
    if not calls:
        raise ReferenceFailed("the reference answered no call: nothing to compare")
    return calls


def call_signature(observation: dict[str, Any], facts: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> dict[str, Any]:
    """Every call's behaviour in order: what it raised, or the ``facts`` of what it returned."""
    items: list[dict[str, Any]] = []
    for call in observation.get("calls", []):
        items.extend([raised(call["error"])] if "error" in call else facts(call))
    return {"type": "list", "items": items}


def returned_facts(call: dict[str, Any]) -> list[dict[str, Any]]:
    """A call's value, the gradient it was asked for, and the tensor arguments after it."""
    return [call["value"], *([call["grad"]] if "grad" in call else []), *argument_facts(call.get("args_after", []))]


def argument_facts(arguments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for argument in arguments:
        if argument.get("tensor"):
            flags = (argument.get("version_changed"), argument.get("requires_grad"), argument.get("is_leaf"))
            facts.extend([argument["value"], fact(flags), argument["grad"]])
    return facts


__all__ = ["argument_facts", "call_signature", "reference_calls", "returned_facts"]
