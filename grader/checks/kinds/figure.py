"""``figure``: a matplotlib figure's labelled lines and x axis labels."""

from __future__ import annotations

from typing import Any

from grader.checks.kinds.calls import call_signature, reference_calls
from grader.checks.kinds.verdicts import PASSED, CaseContext, CaseVerdict, ReferenceFailed, first_call, mismatch_verdict, reference_value
from grader.compare import compare, type_phrase


def figure_lines(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["label"]: line for axes in record.get("axes", []) for line in axes.get("lines", [])}


def judge_figure(student: dict[str, Any], reference: dict[str, Any], context: CaseContext) -> CaseVerdict:
    expected = reference_value(reference_calls(reference)[0])
    if not figure_lines(expected):
        raise ReferenceFailed("the reference's figure has no labelled line to compare")
    call = first_call(student, context)
    if isinstance(call, CaseVerdict):
        return call
    figure = call["value"]
    if figure.get("type") != "figure":
        return CaseVerdict(False, f"{context.label} returned {type_phrase(figure)}; expected a matplotlib Figure")
    lines = figure_lines(figure)
    for label, want in figure_lines(expected).items():
        got = lines.get(label)
        if got is None:
            return CaseVerdict(False, f"{context.label}: no line labelled {label!r} (found labels {sorted(lines)})")
        for axis in ("x", "y"):
            mismatch = compare(got[axis], want[axis], context.tolerances, f"line {label!r} {axis} data")
            if mismatch:
                return mismatch_verdict(mismatch, context)
    expected_labels = {axes.get("xlabel") for axes in expected.get("axes", []) if axes.get("xlabel")}
    found_labels = {axes.get("xlabel") for axes in figure.get("axes", [])}
    missing = expected_labels - found_labels
    if missing:
        return CaseVerdict(
            False, f"{context.label}: the x axis label should be {sorted(missing)[0]!r}, found {sorted(map(str, found_labels))}"
        )
    return PASSED


def signature(observation: dict[str, Any]) -> dict[str, Any]:
    return call_signature(observation, _figure_facts)


def _figure_facts(call: dict[str, Any]) -> list[dict[str, Any]]:
    """The line labels and x labels, then every line's data."""
    figure = call["value"]
    labels = sorted(figure_lines(figure)) if figure.get("type") == "figure" else [type_phrase(figure)]
    xlabels = sorted(str(axes.get("xlabel")) for axes in figure.get("axes", []))
    return [{"type": "str", "value": repr((labels, xlabels))}] + [
        line[axis] for line in figure_lines(figure).values() for axis in ("x", "y")
    ]


__all__ = ["figure_lines", "judge_figure", "signature"]
