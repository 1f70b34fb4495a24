"""PNG pictures for the feedback pages, drawn in the trusted process from plain numbers.

Every curve comes from a stored record (:mod:`grader.feedback_data`), never from
student objects, so drawing needs nothing but matplotlib's object API with the
Agg canvas (no pyplot state, safe to call from any thread of a report run).

Drawing is most of a report's cost, and a class repeats itself: every correct
student draws the same curve, and common mistakes draw the same wrong one. So
:class:`PlotCache` keys each picture by its data rounded to a fraction of a
pixel; pictures that would be identical to the pixel are drawn once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import multiprocessing
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.png import UnsafeImage, sanitize_png

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 3.4, 90
"""630 x 306 pixels: readable on a laptop, scaled down on a phone by the page's CSS."""

PARALLEL_FROM = 24
"""Fewer distinct new pictures than this are drawn in the report's own process: starting drawing processes
(about a second each, to import matplotlib) would cost more than it saves."""

QUANTUM = 1 / 4000
"""Data are rounded to this fraction of the axis span before hashing: far below one pixel."""

STUDENT_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")
MARKERS = ("o", "s", "^", "D")
"""Sparse markers tell student lines apart where they coincide (a backward that ignores its upstream)."""
DIFFER_COLOUR = "#ffb000"


def differing(student: Sequence[float | None], reference: Sequence[float | None], rtol: float, atol: float) -> list[bool]:
    """Per point: does the student's value miss the reference (by ``assert_close``'s rule, or by being absent)?"""
    flags = []
    for got, want in zip(student, reference, strict=False):
        if want is None:
            flags.append(False)
        elif got is None:
            flags.append(True)
        else:
            flags.append(not abs(got - want) <= atol + rtol * abs(want))
    return flags


def _runs(x: Sequence[float], flags: Sequence[bool]) -> list[tuple[float, float]]:
    """Contiguous x ranges where ``flags`` hold, widened by half a grid step so single points show."""
    step = (x[-1] - x[0]) / max(len(x) - 1, 1) if len(x) > 1 else 1.0
    runs, start = [], None
    for index, flag in enumerate(flags):
        if flag and start is None:
            start = index
        if (not flag or index == len(flags) - 1) and start is not None:
            end = index if flag else index - 1
            runs.append((x[start] - step / 2, x[end] + step / 2))
            start = None
    return runs


def _as_array(values: Sequence[float | None] | None, length: int) -> np.ndarray:
    if values is None:
        return np.full(length, np.nan)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def render_comparison(plot: dict[str, Any]) -> bytes:
    """The student's lines (solid) over the reference's (dashed), differing ranges shaded."""
    x = [float(v) for v in plot["x"]]
    tolerance = plot.get("tolerance", {})
    rtol, atol = float(tolerance.get("rtol", 1.3e-6)), float(tolerance.get("atol", 1e-5))
    figure = _figure()
    axes = figure.add_subplot()
    flags = [False] * len(x)
    step = max(len(x) // 12, 1)
    for index, series in enumerate(plot.get("series", [])):
        colour = STUDENT_COLOURS[index % len(STUDENT_COLOURS)]
        label = str(series.get("label", ""))
        several = len(plot["series"]) > 1
        reference = _as_array(series.get("reference"), len(x))
        axes.plot(
            x,
            reference,
            linestyle="--",
            linewidth=2.2,
            color="#444444" if not several else colour,
            alpha=0.55,
            label=f"expected ({label})" if several else "expected",
        )
        if series.get("student") is not None:
            student = _as_array(series["student"], len(x))
            axes.plot(
                x,
                student,
                linewidth=1.6,
                color=colour,
                marker=MARKERS[index % len(MARKERS)],
                markevery=(index * step // max(len(plot["series"]), 1), step),
                markersize=5,
                label=f"yours ({label})" if several else "yours",
            )
            flags = [a or b for a, b in zip(flags, differing(series["student"], series.get("reference") or [], rtol, atol), strict=False)]
    for number, (low, high) in enumerate(_runs(x, flags)):
        axes.axvspan(low, high, color=DIFFER_COLOUR, alpha=0.22, linewidth=0, label="yours differs here" if number == 0 else None)
    axes.set_xlabel("x")
    axes.set_ylabel("gradient" if plot.get("kind") == "backward" else "value")
    axes.set_title(str(plot.get("title", ""))[:120], fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7.5, loc="upper left", framealpha=0.85, ncol=2 if len(plot.get("series", [])) > 1 else 1)
    return _png(figure)


def render_histogram(totals: Sequence[float], max_points: float) -> bytes:
    """How many submissions scored what: one bar per point band, 0 to the maximum."""
    figure = _figure()
    axes = figure.add_subplot()
    top = max(max_points, max(totals, default=0.0), 1.0)
    bins = int(min(max(math.ceil(top), 1), 30))
    axes.hist(list(totals), bins=bins, range=(0, top), color="#1f77b4", edgecolor="white")
    axes.set_xlabel("total points")
    axes.set_ylabel("submissions")
    axes.set_title(f"Score distribution ({len(totals)} submissions, maximum {top:g})", fontsize=10)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, axis="y", alpha=0.3)
    return _png(figure)


def _figure() -> Figure:
    """Fixed margins instead of a layout engine: constrained layout doubled the drawing time."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.9)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # attaches the Agg canvas: no pyplot, no global backend state
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class PlotCache:
    """Draw each distinct comparison, and check each distinct figure PNG, once per report run (see the module docstring)."""

    def __init__(self) -> None:
        self._pictures: dict[str, bytes] = {}
        self._checked: dict[str, bytes | None] = {}
        self.drawn = 0
        self.reused = 0

    def checked_png(self, data: object) -> bytes | None:
        """Base64 PNG text from a record, decoded and passed through :func:`grader.png.sanitize_png`; ``None`` if refused.

        The reference figure is the same in every record and a correct student's often is too,
        so the (inflating) check runs once per distinct image.
        """
        if not isinstance(data, str):
            return None
        if data not in self._checked:
            try:
                self._checked[data] = sanitize_png(base64.b64decode(data, validate=True))
            except (binascii.Error, ValueError, UnsafeImage):
                self._checked[data] = None
        return self._checked[data]

    def draw_ahead(self, plots: Iterable[dict[str, Any]], workers: int) -> None:
        """Draw the distinct new pictures among ``plots`` in ``workers`` processes, when there are enough to pay for them.

        Drawing is CPU-bound and matplotlib is not thread-safe, hence processes. They are
        started with ``spawn``: forking a process that has run torch ops can hang the child.
        Only our own plot data (from records) goes to them, and PNG bytes we drew come back.
        """
        pending: dict[str, dict[str, Any]] = {}
        for plot in plots:
            try:
                key = _key(plot)
            except (KeyError, TypeError, ValueError):
                continue
            if key not in self._pictures:
                pending.setdefault(key, plot)
        if workers < 2 or len(pending) < PARALLEL_FROM:
            return
        keys = list(pending)
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                for key, picture in zip(keys, pool.map(_draw_or_none, [pending[k] for k in keys], chunksize=4), strict=True):
                    if picture is not None:
                        self._pictures[key] = picture
                        self.drawn += 1
        except (BrokenProcessPool, OSError):
            # No drawing processes here (a __main__ that spawn cannot re-import, no semaphores...):
            # whatever is still missing is drawn in this process when a page asks for it.
            return

    def comparison(self, plot: dict[str, Any]) -> bytes:
        key = _key(plot)
        picture = self._pictures.get(key)
        if picture is None:
            picture = self._pictures[key] = render_comparison(plot)
            self.drawn += 1
        else:
            self.reused += 1
        return picture


def _draw_or_none(plot: dict[str, Any]) -> bytes | None:
    """In a drawing process: a malformed plot is left for the page to report, not raised across processes."""
    try:
        return render_comparison(plot)
    except (KeyError, TypeError, ValueError):
        return None


def _key(plot: dict[str, Any]) -> str:
    values = [v for s in plot.get("series", []) for part in ("student", "reference") for v in (s.get(part) or []) if v is not None]
    span = (max(values) - min(values)) if values else 1.0
    quantum = (span or 1.0) * QUANTUM
    tolerance = plot.get("tolerance", {})

    def rounded(series: Sequence[float | None] | None) -> list[int | None] | None:
        return None if series is None else [None if v is None else round(v / quantum) for v in series]

    shape = {
        "kind": plot.get("kind"),
        "title": plot.get("title"),
        "x": plot.get("x"),
        "tolerance": plot.get("tolerance"),
        "series": [(s.get("label"), rounded(s.get("student")), rounded(s.get("reference"))) for s in plot.get("series", [])],
        "differing": [
            differing(s["student"], s.get("reference") or [], float(tolerance.get("rtol", 0)), float(tolerance.get("atol", 0)))
            for s in plot.get("series", [])
            if s.get("student") is not None
        ],
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


__all__ = ["PlotCache", "differing", "render_comparison", "render_histogram"]
