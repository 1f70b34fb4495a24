"""The judging half of every check kind: one entry per kind, its judge and its mutant signature.

A kind is one module here (``grader/checks/kinds/<kind>.py``, holding ``judge_<kind>``
and ``signature``) plus one entry in :data:`KIND_JUDGES`; what the course and the
plan need to know of it (its probe, which inputs are tensors, whether it takes
upstream gradients, its plot) is its entry in :data:`grader.course.kinds.KIND_SPECS`,
which sits low enough for ``course.yaml`` to be validated without torch. A test keeps
the two registries' names equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.checks.kinds import (
    figure,
    func_transforms,
    function_backward,
    function_double_backward,
    function_forward,
    function_gradcheck,
    function_inplace,
    graph,
    value,
)
from grader.checks.kinds.factors import agreed_hint
from grader.checks.kinds.verdicts import CaseContext, CaseVerdict, Judge, ReferenceFailed, Signature, import_verdict, raised


@dataclass(frozen=True)
class KindJudge:
    """How one kind's observations are judged and recognised."""

    judge: Judge
    """Student's observation, reference's observation, context -> the case's verdict (fails closed)."""
    signature: Signature
    """The behaviour-defining part of an observation: everything ``judge`` looks at, so that a mutant is recognised
    only when the student's code behaves like it in every judged respect."""


KIND_JUDGES: dict[str, KindJudge] = {
    "value": KindJudge(value.judge_value, value.signature),
    "figure": KindJudge(figure.judge_figure, figure.signature),
    "graph": KindJudge(graph.judge_graph, graph.signature),
    "function_forward": KindJudge(function_forward.judge_function_forward, function_forward.signature),
    "function_backward": KindJudge(function_backward.judge_function_backward, function_backward.signature),
    "function_gradcheck": KindJudge(function_gradcheck.judge_function_gradcheck, function_gradcheck.signature),
    "function_double_backward": KindJudge(function_double_backward.judge_function_double_backward, function_double_backward.signature),
    "function_inplace": KindJudge(function_inplace.judge_function_inplace, function_inplace.signature),
    "func_transforms": KindJudge(func_transforms.judge_func_transforms, func_transforms.signature),
}
"""One entry per check kind, by the names :data:`grader.course.kinds.KIND_SPECS` gives."""


def signature(kind: str, observation: dict[str, Any]) -> dict[str, Any]:
    """The behaviour-defining part of an observation, as a wire record ``compare`` understands.

    An exception counts as behaviour too (type and message gist).
    """
    if "error" in observation:
        return raised(observation["error"])
    return KIND_JUDGES[kind].signature(observation)


__all__ = ["KIND_JUDGES", "CaseContext", "CaseVerdict", "KindJudge", "ReferenceFailed", "agreed_hint", "import_verdict", "signature"]
