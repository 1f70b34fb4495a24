"""The pictures of the reports, as inline SVG written from plain numbers.

Every curve comes from a stored record (:mod:`grader.feedback_data`), never from
student objects. The SVG is text built here and in :mod:`grader.report.svg` (scales,
ticks, axes): numbers we format ourselves, and
every string a record holds (a title, a series label) goes through
:func:`markupsafe.escape`, so a hand-edited record cannot put markup on a page.
Inline SVG elements are part of the page, not images: the pages' policy
(``default-src 'none'``, ``img-src data:``) needs no change for them.

Why not matplotlib (used until the SVG): about 0.1 s of CPU per picture and a
second to import, which made drawing 90 % of a class's report time (50 s for 200
submissions). A path of 200 points costs a fraction of a millisecond, is a few
kilobytes instead of a 40 kB PNG, and stays sharp when a phone scales it.

A class repeats itself (every correct student's curve is the same, and so is
every copy of a common mistake), so :class:`PlotCache` also keeps each distinct
picture once per report run.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from grader.course.tolerances import DEFAULT_TOLERANCES
from grader.plot_numbers import unpack_numbers
from grader.png import UnsafeImage, sanitize_png
from grader.report.html import Image, inline_png
from grader.report.svg import (
    BOTTOM,
    FONT,
    HEIGHT,
    LARGEST,
    LEFT,
    MAX_TITLE,
    RIGHT,
    TOP,
    WIDTH,
    Scale,
    data_limits,
    draw_axes,
    svg_picture,
    svg_text,
)

LEGEND_ROW = 16
CHAR_WIDTH = 0.58 * FONT
"""A generous average glyph width, to lay out legend entries without measuring text."""

STUDENT_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")
MARKERS = ("circle", "square", "triangle", "diamond")
"""Sparse markers tell student lines apart where they coincide (a backward that ignores its upstream)."""
MARKERS_PER_LINE = 12
REFERENCE_COLOUR = "#444444"
DIFFER_COLOUR = "#ffb000"
BAR_COLOUR = "#1f77b4"
MAX_BINS = 30


def differing(student: Sequence[float | None], reference: Sequence[float | None], rtol: float, atol: float) -> list[bool]:
    """Per point: does the student's value miss the reference (by ``assert_close``'s rule, or by being absent)?"""
    return [
        False if want is None else got is None or not abs(got - want) <= atol + rtol * abs(want)
        for got, want in zip(student, reference, strict=False)
    ]


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


# ---------------------------------------------------------------- comparison plots


def _numbers(stored: Any, length: int) -> list[float | None]:
    """A line from a record as ``length`` floats or ``None`` (absent, not finite, or past the end of a truncated run)."""
    if stored is None:
        return [None] * length
    values = unpack_numbers(stored)[:length]
    if None in values or not all(map(math.isfinite, values)):  # type: ignore[arg-type]  # None is ruled out first
        values = [v if v is not None and math.isfinite(v) else None for v in values]
    return values + [None] * (length - len(values))


def _line(xs: list[str], values: list[float | None], ys: Scale) -> str:
    """SVG path data through the points that have a value, lifting the pen over the gaps (``M x y x y ...`` per stretch)."""
    offset, factor = ys.offset, ys.factor
    if None not in values:  # the common case, kept to one comprehension: drawing is most of a distinct plot's cost
        return "M" + " ".join([f"{x} {offset + v * factor:.1f}" for x, v in zip(xs, values, strict=True)])  # type: ignore[operator]  # no None here
    stretches: list[list[str]] = [[]]
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if stretches[-1]:
                stretches.append([])
        else:
            stretches[-1].append(f"{x} {offset + value * factor:.1f}")
    return "".join("M" + " ".join(points) for points in stretches if points)


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "square":
        return f"M{x - 3:.1f} {y - 3:.1f}h6v6h-6z"
    if shape == "triangle":
        return f"M{x:.1f} {y - 3.6:.1f}l3.4 6h-6.8z"
    if shape == "diamond":
        return f"M{x:.1f} {y - 3.8:.1f}l3.8 3.8-3.8 3.8-3.8-3.8z"
    return f"M{x - 3:.1f} {y:.1f}a3 3 0 1 0 6 0a3 3 0 1 0-6 0z"


def _legend(entries: list[tuple[str, str]], top: float) -> tuple[list[str], float]:
    """Entries (sample markup at the origin, label) flowed into rows below the axes; returns the parts and the rows' height."""
    parts, x, y, rows = [], float(LEFT), top, 1
    for sample, label in entries:
        width = 34 + CHAR_WIDTH * len(label) + 16
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y, rows = float(LEFT), y + LEGEND_ROW, rows + 1
        parts.append(f'<g transform="translate({x:.1f} {y:.1f})">{sample}{svg_text(34, 4, label, anchor="start")}</g>')
        x += width
    return parts, rows * LEGEND_ROW + 4


@dataclass(frozen=True)
class _Series:
    """One series of a comparison plot, its lines as floats or ``None`` per x value."""

    index: int
    label: str
    reference: list[float | None]
    student: list[float | None] | None
    """``None`` when the record has no student line (the page then shows the reference alone)."""


def _tolerance(plot: dict[str, Any]) -> tuple[float, float]:
    """The plot's ``(rtol, atol)``; a record without them falls back to the float32 default every check starts from."""
    tolerance = plot.get("tolerance") or {}
    default = DEFAULT_TOLERANCES["float32"]
    return float(tolerance.get("rtol", default.rtol)), float(tolerance.get("atol", default.atol))


def _series(plot: dict[str, Any], length: int) -> list[_Series]:
    """The record's series, each line ``length`` points long."""
    series = []
    for index, raw in enumerate(list(plot.get("series") or [])):
        student = None if raw.get("student") is None else _numbers(raw["student"], length)
        series.append(_Series(index, str(raw.get("label", "")), _numbers(raw.get("reference"), length), student))
    return series


def _differs_anywhere(series: list[_Series], length: int, rtol: float, atol: float) -> list[bool]:
    """Per x value: does any student line miss its reference there?"""
    flags = [False] * length
    for line in series:
        if line.student is not None:
            flags = [a or b for a, b in zip(flags, differing(line.student, line.reference, rtol, atol), strict=True)]
    return flags


def _shading(runs: list[tuple[float, float]], xs: Scale, bottom: float) -> list[str]:
    """A band behind each x range where the student's lines differ, clipped to the axes."""
    parts = []
    for low, high in runs:
        start, end = max(xs(low), float(LEFT)), min(xs(high), float(WIDTH - RIGHT))
        parts.append(
            f'<rect class="differs" x="{start:.1f}" y="{TOP}" width="{end - start:.1f}" height="{bottom - TOP}" '
            f'fill="{DIFFER_COLOUR}" fill-opacity="0.25"/>'
        )
    return parts


def _reference_lines(series: list[_Series], x_text: list[str], ys: Scale) -> tuple[list[str], list[tuple[str, str]]]:
    """The dashed expected lines (grey when alone, the series' colour beside others) and their legend entries."""
    several = len(series) > 1
    parts, legend = [], []
    for line in series:
        colour = STUDENT_COLOURS[line.index % len(STUDENT_COLOURS)] if several else REFERENCE_COLOUR
        dashed = f'stroke="{colour}" stroke-opacity="0.6" stroke-width="2.2" stroke-dasharray="7 4" fill="none"'
        parts.append(f'<path class="reference" d="{_line(x_text, line.reference, ys)}" {dashed}/>')
        legend.append((f'<path d="M0 0H28" {dashed}/>', f"expected ({line.label})" if several else "expected"))
    return parts, legend


def _student_lines(
    series: list[_Series], x: list[float], x_text: list[str], xs: Scale, ys: Scale
) -> tuple[list[str], list[tuple[str, str]]]:
    """The solid student lines, each with sparse markers staggered between series, and their legend entries."""
    several = len(series) > 1
    every = max(len(x) // MARKERS_PER_LINE, 1)
    parts, legend = [], []
    for line in series:
        student = line.student
        if student is None:
            continue
        colour = STUDENT_COLOURS[line.index % len(STUDENT_COLOURS)]
        shape = MARKERS[line.index % len(MARKERS)]
        solid = f'stroke="{colour}" stroke-width="1.6" fill="none"'
        parts.append(f'<path class="student" d="{_line(x_text, student, ys)}" {solid}/>')
        first = line.index * every // max(len(series), 1)
        marks = "".join(_marker(shape, xs(x[i]), ys(v)) for i in range(first, len(x), every) if (v := student[i]) is not None)
        if marks:
            parts.append(f'<path d="{marks}" fill="{colour}"/>')
        sample = f'<path d="M0 0H28" {solid}/><path d="{_marker(shape, 14, 0)}" fill="{colour}"/>'
        legend.append((sample, f"yours ({line.label})" if several else "yours"))
    return parts, legend


def render_comparison(plot: dict[str, Any]) -> Markup:
    """The student's lines (solid, with sparse markers) over the reference's (dashed), differing ranges shaded.

    Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a record too malformed to draw.
    """
    stored_x = unpack_numbers(plot["x"])
    x = [v for v in stored_x if v is not None and math.isfinite(v)]
    if not x or len(x) != len(stored_x):
        raise ValueError("a plot needs finite x values")
    series = _series(plot, len(x))
    flags = _differs_anywhere(series, len(x), *_tolerance(plot))
    finite = [v for line in series for values in (line.reference, line.student or ()) for v in values if v is not None]
    bottom = HEIGHT - BOTTOM
    xs = Scale.between(*data_limits(x, margin=0.02), LEFT, WIDTH - RIGHT)
    ys = Scale.between(*data_limits(finite), bottom, TOP)
    y_label = "gradient" if plot.get("kind") == "backward" else "value"
    runs = _runs(x, flags)
    x_text = [f"{xs(v):.1f}" for v in x]
    reference_parts, legend = _reference_lines(series, x_text, ys)
    student_parts, student_legend = _student_lines(series, x, x_text, xs, ys)
    legend += student_legend
    if runs:
        legend.append((f'<rect x="0" y="-5" width="28" height="10" fill="{DIFFER_COLOUR}" fill-opacity="0.35"/>', "yours differs here"))
    parts = draw_axes(xs, ys, "x", y_label, str(plot.get("title", ""))) + _shading(runs, xs, bottom) + reference_parts + student_parts
    rows, height = _legend(legend, HEIGHT + 4)
    title = str(plot.get("title", ""))[:MAX_TITLE]
    return svg_picture(HEIGHT + height, f"plot: {title}", parts + rows)


# ---------------------------------------------------------------- dashboard histogram


def render_histogram(totals: Sequence[float], max_points: float) -> Markup:
    """How many submissions scored what: one bar per point band, 0 to the maximum (each bar's tooltip gives its count)."""
    finite = [total for total in totals if math.isfinite(total)]  # a hand-edited record may say Infinity
    top = min(max(max_points if math.isfinite(max_points) else 0.0, max(finite, default=0.0), 1.0), LARGEST)
    bins = int(min(max(math.ceil(top), 1), MAX_BINS))
    counts = [0] * bins
    for total in finite:
        if 0 <= total <= top:
            counts[min(int(total / top * bins), bins - 1)] += 1
    bottom = HEIGHT - BOTTOM
    xs = Scale.between(0.0, top, LEFT, WIDTH - RIGHT)
    ys = Scale.between(0.0, max(max(counts) * 1.05, 1.0), bottom, TOP)
    title = f"Score distribution ({len(totals)} submissions, maximum {top:g})"
    parts = draw_axes(xs, ys, "total points", "submissions", title, integer_y=True)
    width = top / bins
    for index, count in enumerate(counts):
        if not count:
            continue
        left, right, height = xs(index * width), xs((index + 1) * width), ys(0) - ys(count)
        band = f"{index * width:g} to {(index + 1) * width:g} points"
        parts.append(
            f'<rect class="histogram-bar" x="{left:.1f}" y="{ys(count):.1f}" width="{right - left:.1f}" height="{height:.1f}" '
            f'fill="{BAR_COLOUR}" stroke="#ffffff"><title>{count} submission{"s" if count != 1 else ""}: {band}</title></rect>'
        )
    return svg_picture(HEIGHT, f"histogram of total scores: {title}", parts)


# ---------------------------------------------------------------- cache


class PlotCache:
    """Draw each distinct comparison, and check each distinct figure PNG, once per report run (see the module docstring)."""

    def __init__(self) -> None:
        self._pictures: dict[Any, Markup] = {}
        self._figures: dict[str, Image | None] = {}
        self.drawn = 0
        self.reused = 0

    def figure(self, data: object) -> Image | None:
        """Base64 PNG text from a record, ready for ``<img>`` once :func:`grader.png.sanitize_png` accepted it; ``None`` if refused.

        The reference figure is the same in every record and a correct student's often is too,
        so the (inflating) check and the encoding run once per distinct image.
        """
        if not isinstance(data, str):
            return None
        if data not in self._figures:
            try:
                self._figures[data] = inline_png(sanitize_png(base64.b64decode(data, validate=True)))
            except (binascii.Error, ValueError, UnsafeImage):
                self._figures[data] = None
        return self._figures[data]

    def comparison(self, plot: dict[str, Any]) -> Markup:
        """:func:`render_comparison`, or the same picture drawn earlier for equal data."""
        key = _key(plot)
        picture = self._pictures.get(key)
        if picture is None:
            picture = self._pictures[key] = render_comparison(plot)
            self.drawn += 1
        else:
            self.reused += 1
        return picture


def _key(plot: dict[str, Any]) -> Any:
    """Everything the picture is drawn from, hashable: equal keys, equal pictures (no rounding, no collisions).

    Lines are keyed by their stored text (:mod:`grader.plot_numbers`), which Python hashes at
    memory speed; only a picture not drawn yet has its numbers parsed.
    """
    tolerance = plot.get("tolerance") or {}
    return (
        plot.get("kind"),
        str(plot.get("title", "")),
        _frozen(plot["x"]),
        (tolerance.get("rtol"), tolerance.get("atol")),
        tuple((str(s.get("label", "")), _frozen(s.get("reference")), _frozen(s.get("student"))) for s in plot.get("series") or []),
    )


def _frozen(stored: Any) -> Any:
    """A stored line as a hashable value: its packed string as is, the list of an older record as a tuple."""
    return tuple(stored) if isinstance(stored, list) else stored


__all__ = ["PlotCache", "differing", "render_comparison", "render_histogram"]
