"""Probe operations that gather what a feedback plot needs, in the worker.

The trusted process draws every curve itself (:mod:`grader.report.plots`) from
the numbers these probes return; only the student's own figure is rendered
here, because "the figure as they drew it" exists only inside the worker. Its
PNG bytes travel as data and are checked before any page embeds them
(:mod:`grader.png`).

Plot probes run after every check probe of a job (the plan appends them), on a
fixed grid derived from the *visible* cases, so they can neither change what a
check observed nor reveal a hidden input. Each keeps to a time budget and
stops early rather than pushing the worker into its time limit.

Imported by the worker: standard library, numpy, torch (and matplotlib only
through ``sys.modules``, as :mod:`grader.sandbox.wire` does).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import torch

from grader.sandbox.probes import Observation, _entry, _fresh_inputs, _function_class, _guarded
from grader.sandbox.wire import decode_tensor, decode_value, encode, encode_tensor

TIME_BUDGET_S = 3.0
"""Wall-clock seconds a plot probe may spend before it returns the points it has (marked ``truncated``)."""

SHARE_OF_TIME_LIMIT = 0.5
"""A plot probe starts no new call once the worker has used this share of its time limit: the plot
must never be what pushes a worker into a time-out (the checks ran first and keep their results)."""

_clock = {"started": time.monotonic()}


def start_clock() -> None:
    """Called by the worker as it starts: plot probes measure the share of the time limit from here."""
    _clock["started"] = time.monotonic()


def _deadline(request: dict[str, Any]) -> float:
    own = time.monotonic() + float(request.get("budget", TIME_BUDGET_S))
    limit = request.get("time_limit")
    if isinstance(limit, (int, float)):
        return min(own, _clock["started"] + SHARE_OF_TIME_LIMIT * float(limit))
    return own


MAX_POINT_BYTES = 2048
"""A curve point is a scalar or a small tuple; anything larger is replaced by an ``unsupported`` record."""

MAX_PNG_BYTES = 1 << 20
"""A rendered figure larger than this is not returned (the trusted side caps it again)."""

MAX_PIXELS = (1200, 900)
"""The student's figure is rendered at a dpi that keeps it within this many pixels."""


class _Discard(io.TextIOBase):
    """Swallows what the student's code prints during a plot probe.

    The plot calls the student's function about two hundred times: their prints would
    bury the output of the checks they are meant to explain, and could reach the
    worker's output limit although every check had already run.
    """

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def _quietly(probe: Callable[[ModuleType, str, dict[str, Any]], Observation]) -> Callable[[ModuleType, str, dict[str, Any]], Observation]:
    def run(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
        with contextlib.redirect_stdout(_Discard()), contextlib.redirect_stderr(_Discard()):
            return probe(module, student_file, request)

    run.__doc__ = probe.__doc__
    return run


def _small(record: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(record)) > MAX_POINT_BYTES:
        return {"type": "unsupported", "reason": "too large for a curve point"}
    return record


def probe_curve(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """``entry(x, *fixed)`` for every ``x`` of the grid: the student's function as a curve.

    Each point is guarded on its own, so one exception costs one point, and only
    the first exception keeps its message and frames (the rest keep their type).
    """
    deadline = _deadline(request)
    fixed = [decode_value(a) for a in request.get("fixed", [])]
    points: list[Observation] = []
    seen_error = False
    for x in request["points"]:
        if time.monotonic() > deadline:
            return {"points": points, "truncated": True}
        point = _guarded(student_file, partial(_curve_point, module, request["entry"], float(x), fixed))
        if "error" in point:
            point = point if not seen_error else {"error": {"type": point["error"].get("type"), "message": "", "frames": []}}
            seen_error = True
        points.append(point)
    return {"points": points}


def _curve_point(module: ModuleType, entry: str, x: float, fixed: list[Any]) -> Observation:
    return {"value": _small(encode(_entry(module, entry)(x, *fixed)))}


def probe_backward_grid(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """``Entry.apply(grid, *others, *extra)``, then backward once per constant upstream gradient.

    Returns the gradient of the first input (the grid) for each upstream value:
    for an elementwise Function that is the local derivative times the upstream,
    point by point.
    """
    checked = _guarded(student_file, lambda: _function_class(module, request["entry"]))
    if "error" in checked:
        return checked
    deadline = _deadline(request)
    runs: list[Observation] = []
    for upstream in request["upstreams"]:
        if time.monotonic() > deadline:
            return {"runs": runs, "truncated": True}
        runs.append(_guarded(student_file, partial(_grid_backward, module, request, float(upstream))))
    return {"runs": runs}


def _grid_backward(module: ModuleType, request: dict[str, Any], upstream: float) -> Observation:
    cls = _entry(module, request["entry"])
    grid = decode_tensor(request["grid"]).requires_grad_(True)
    others = _fresh_inputs({"inputs": request.get("others", [])})
    extra = [decode_value(e) for e in request.get("extra", [])]
    output = cls.apply(grid, *others, *extra)
    first = output[0] if type(output) is tuple else output
    if type(first) is not torch.Tensor:
        raise TypeError("forward must return a tensor")
    torch.autograd.backward(first, grad_tensors=torch.full_like(first, upstream))
    return {"grad": encode_tensor(grid.grad) if grid.grad is not None else {"type": "none"}}


def probe_figure_png(module: ModuleType, student_file: str, request: dict[str, Any]) -> Observation:
    """Call the plotting entry on visible arguments and render the Figure it returns to PNG bytes."""
    return _guarded(student_file, lambda: _figure_png(module, request))


def _figure_png(module: ModuleType, request: dict[str, Any]) -> Observation:
    if time.monotonic() > _deadline(request):
        return {"png": None, "reason": "was not drawn: your code used most of the time limit in the checks"}
    args = [decode_value(a) for a in request.get("args", [])]
    kwargs = {k: decode_value(v) for k, v in request.get("kwargs", {}).items()}
    figure = _entry(module, request["entry"])(*args, **kwargs)
    figure_module = sys.modules.get("matplotlib.figure")
    if figure_module is None or type(figure) is not figure_module.Figure:
        return {"png": None, "reason": "did not return a matplotlib Figure"}
    width, height = (float(v) for v in figure.get_size_inches())
    dpi = min(100.0, MAX_PIXELS[0] / max(width, 0.1), MAX_PIXELS[1] / max(height, 0.1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=max(dpi, 10.0))
    data = buffer.getvalue()
    if len(data) > MAX_PNG_BYTES:
        return {"png": None, "reason": f"the rendered figure is larger than {MAX_PNG_BYTES // 1024} KiB"}
    return {"png": base64.b64encode(data).decode("ascii")}


PLOT_PROBES: dict[str, Callable[[ModuleType, str, dict[str, Any]], Observation]] = {
    "curve": _quietly(probe_curve),
    "backward_grid": _quietly(probe_backward_grid),
    "figure_png": _quietly(probe_figure_png),
}
"""Plot operations by name; the worker looks them up beside :data:`grader.sandbox.probes.PROBES`."""

__all__ = ["MAX_PIXELS", "MAX_PNG_BYTES", "PLOT_PROBES", "probe_backward_grid", "probe_curve", "probe_figure_png", "start_clock"]
