"""Which feedback plot an exercise gets, and the probe that gathers its data.

Chosen per check kind (its ``plot`` in :data:`grader.course.kinds.KIND_SPECS`) and the
shape of the exercise, never per exercise id:

- a ``figure`` check: the student's own figure's lines (labels, x and y data),
  drawn over the reference's as the other plots are (no PNG is rendered);
- a ``function_backward`` check on one tensor input (others 0-d): the student's
  backward against the reference over a grid of inputs, one line per upstream
  gradient;
- a ``value`` check whose cases pass plain numbers: the function against the
  reference as its first argument sweeps a range (for the derivative exercises,
  the student's derivative against the right one).

The first of these found (in that order) wins: one extra probe per exercise at
most. Only *visible* cases shape the grid, so no hidden input can leak through
a plot, and the grid is the same in the instructor's course and in the student
release, whose reference observations were computed on it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.course.kinds import KIND_SPECS, PLOT_ORDER, PlotKind
from grader.course.schema import Case, Check, Exercise
from grader.sandbox.wire import encode, encode_tensor

CURVE_POINTS = 81
"""Points on a value curve: one call each (half of a simple exercise's worker time at 161); enough for a
smooth line across a few periods of a sine at the width a page gives a plot."""

GRID_POINTS = 201
"""Points of the backward grid: one tensor, so the count costs almost nothing."""

MAX_UPSTREAMS = 4
DEFAULT_UPSTREAMS = (1.0, -0.5, 2.0)
"""Used when no visible case gives a constant upstream gradient."""


@dataclass(frozen=True)
class PlotRequest:
    """One exercise's plot: the probe for the worker and what the report needs to label it."""

    kind: PlotKind
    check: str
    """The check the plot illustrates (its name; the report places the plot beside it)."""
    entry: str
    probe: dict[str, Any]
    """Sent to the worker as is (``id`` and ``op`` included); holds only visible-derived inputs."""
    x: tuple[float, ...] = ()
    title: str = ""
    series: tuple[str, ...] = ()
    """Names of the lines (the upstream gradients of a backward plot)."""

    @property
    def probe_id(self) -> str:
        return str(self.probe["id"])


def plot_request(exercise: Exercise, time_limit: float | None = None) -> PlotRequest | None:
    """The plot for ``exercise``, or ``None`` when no visible check has a plottable shape.

    ``time_limit`` (the worker's, in seconds) travels with the probe so that it stops
    early enough never to cause a time-out (:data:`grader.sandbox.plot_probes.SHARE_OF_TIME_LIMIT`).
    """
    visible = [check for check in exercise.checks if check.visible and check.cases]
    for plot in PLOT_ORDER:
        for check in visible:
            request = _BUILDERS[plot](exercise, check) if KIND_SPECS[check.kind].plot == plot else None
            if request is not None:
                if time_limit is not None:
                    request.probe["time_limit"] = float(time_limit)
                return request
    return None


def _probe_id(exercise: Exercise, check: Check) -> str:
    return f"plot.{zlib.crc32(f'{exercise.id}/{check.name}'.encode()):08x}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_plain(value: Any) -> bool:
    """A YAML value the worker can receive as is (no tensor or random spec inside)."""
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _grid(values: list[float], count: int) -> tuple[float, ...]:
    """A range around the visible points (and 0), padded so the shape of the curve shows at both ends."""
    low, high = min([*values, 0.0]), max([*values, 0.0])
    pad = max(1.0, 0.15 * (high - low))
    return tuple(round(float(x), 9) for x in np.linspace(low - pad, high + pad, count))


def _figure_request(exercise: Exercise, check: Check) -> PlotRequest | None:
    case = check.cases[0]
    if not (_is_plain(case.args) and all(_is_plain(v) for v in case.kwargs.values())):
        return None
    probe = {  # the figure's line data, as the check itself observes it: no PNG is rendered in the worker
        "id": _probe_id(exercise, check),
        "op": "call",
        "entry": check.entry,
        "args": [encode(a) for a in case.args],
        "kwargs": {k: encode(v) for k, v in case.kwargs.items()},
    }
    return PlotRequest(kind="figure", check=check.name, entry=check.entry, probe=probe, title=_call(check.entry, case))


def _call(entry: str, case: Case) -> str:
    shown = [repr(a) for a in case.args] + [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return f"{entry}({', '.join(shown)})"


def _flat_numbers(value: Any) -> list[float] | None:
    if _is_number(value):
        return [float(value)]
    if isinstance(value, list):
        numbers: list[float] = []
        for item in value:
            inner = _flat_numbers(item)
            if inner is None:
                return None
            numbers += inner
        return numbers
    return None


def _backward_request(exercise: Exercise, check: Check) -> PlotRequest | None:
    first = check.cases[0]
    if not first.inputs or not all(_is_number(v) for v in first.inputs[1:]) or not _is_plain(first.extra):
        return None
    values: list[float] = []
    for case in check.cases:
        numbers = _flat_numbers(case.inputs[0]) if case.inputs else None
        if numbers is None:
            return None
        values += numbers
    upstreams = list(dict.fromkeys(float(u) for case in check.cases for u in case.upstreams if _is_number(u)))[:MAX_UPSTREAMS]
    upstreams = upstreams or list(DEFAULT_UPSTREAMS)
    grid = _grid(values, GRID_POINTS)
    probe = {
        "id": _probe_id(exercise, check),
        "op": "backward_grid",
        "entry": check.entry,
        "grid": encode_tensor(torch.tensor(grid, dtype=torch.float64)),
        "others": [encode_tensor(torch.tensor(float(v), dtype=torch.float64)) for v in first.inputs[1:]],
        "extra": [encode(e) for e in first.extra],
        "upstreams": upstreams,
    }
    others = "".join(f", {v!r}" for v in [*first.inputs[1:], *first.extra])
    return PlotRequest(
        kind="backward",
        check=check.name,
        entry=check.entry,
        probe=probe,
        x=grid,
        title=f"gradient of the input x of {check.entry}.apply(x{others})",
        series=tuple(f"upstream {u:g}" for u in upstreams),
    )


def _curve_request(exercise: Exercise, check: Check) -> PlotRequest | None:
    cases = check.cases
    if any(case.kwargs or not case.args or not all(_is_number(a) for a in case.args) for case in cases):
        return None
    if len({len(case.args) for case in cases}) != 1:
        return None
    fixed = cases[0].args[1:]
    grid = _grid([float(case.args[0]) for case in cases], CURVE_POINTS)
    probe = {
        "id": _probe_id(exercise, check),
        "op": "curve",
        "entry": check.entry,
        "points": list(grid),
        "fixed": [encode(a) for a in fixed],
    }
    shown = "".join(f", {a!r}" for a in fixed)
    return PlotRequest(kind="curve", check=check.name, entry=check.entry, probe=probe, x=grid, title=f"{check.entry}(x{shown})")


_BUILDERS: dict[PlotKind, Callable[[Exercise, Check], PlotRequest | None]] = {
    "figure": _figure_request,
    "backward": _backward_request,
    "curve": _curve_request,
}
"""One builder per kind of plot; each returns ``None`` when the check's cases have no plottable shape."""


__all__ = ["CURVE_POINTS", "GRID_POINTS", "PlotKind", "PlotRequest", "plot_request"]
