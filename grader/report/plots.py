"""The pictures of the reports, as inline SVG written from plain numbers.

Every curve comes from a stored record (:mod:`grader.feedback_data`), never from
student objects. The SVG is text built here: numbers we format ourselves, and
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

from markupsafe import Markup, escape

from grader.plot_numbers import unpack_numbers
from grader.png import UnsafeImage, sanitize_png
from grader.report.html import Image, inline_png

WIDTH, HEIGHT = 630, 306
"""User units of a picture (its CSS pixels on a laptop; the page's CSS scales it down on a phone). The legend adds rows below."""
LEFT, RIGHT, TOP, BOTTOM = 62, 12, 28, 38
"""Margins around the axes: tick labels on the left and below, the title above."""
LEGEND_ROW = 16
FONT = 10
CHAR_WIDTH = 0.58 * FONT
"""A generous average glyph width, to lay out legend entries without measuring text."""

STUDENT_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")
MARKERS = ("circle", "square", "triangle", "diamond")
"""Sparse markers tell student lines apart where they coincide (a backward that ignores its upstream)."""
MARKERS_PER_LINE = 12
REFERENCE_COLOUR = "#444444"
DIFFER_COLOUR = "#ffb000"
BAR_COLOUR = "#1f77b4"
MAX_TITLE = 120
LARGEST = 1.7e308
"""Axis limits stop here, short of the float maximum, so that no computation on them overflows."""
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


# ---------------------------------------------------------------- axes


@dataclass(frozen=True)
class _Scale:
    """Data to picture coordinates along one axis: ``pixel = offset + value * factor``."""

    low: float
    high: float
    offset: float
    factor: float

    @classmethod
    def between(cls, low: float, high: float, start: float, end: float) -> _Scale:
        # Halves first: high - low overflows for values near the float maximum, which a record may hold.
        factor = (end - start) / (high / 2 - low / 2) / 2
        return cls(low, high, start - low * factor, factor)

    def __call__(self, value: float) -> float:
        return self.offset + value * self.factor


def _limits(values: Sequence[float], margin: float = 0.05) -> tuple[float, float]:
    """The data range widened by ``margin`` on each side; a sensible range for a constant or no data."""
    if not values:
        return -1.0, 1.0
    low, high = min(values), max(values)
    # A span too small to draw (relative to the values, or subnormal-small) is drawn as a constant: scaling it
    # to pixels would overflow (0 and 2.2e-308 gave an infinite scale factor).
    constant = high / 2 - low / 2 <= max(1e-9 * max(abs(low), abs(high)), 1e-100)
    pad = max(abs(low) * 0.1, 1.0) if constant else (high / 2 - low / 2) * 2 * margin
    return max(low - pad, -LARGEST), min(high + pad, LARGEST)


def _ticks(low: float, high: float, most: int = 7, integer: bool = False) -> tuple[list[float], float]:
    """Round numbers between ``low`` and ``high`` (1, 2, 2.5 or 5 times a power of ten apart), and that step."""
    raw = (high / 2 - low / 2) / max(most - 1, 1) * 2  # halves, then divide: finite for any finite limits
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(round(step)))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [k * step for k in range(first, last + 1)], step


def _tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as the step needs (0.25 steps: two), or three significant digits for extremes."""
    if step >= 1e-4 and max(abs(value), step) < 1e6:
        exponent = math.floor(math.log10(step) + 1e-9)
        quarter = abs(step / 10.0**exponent - 2.5) < 1e-6
        text = f"{value:.{max(0, -exponent + quarter)}f}"
    else:
        text = f"{value:.3g}"
    return "0" if text.strip("-0.") == "" else text


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _axes(xs: _Scale, ys: _Scale, x_label: str, y_label: str, title: str, integer_y: bool = False) -> list[str]:
    """Frame, grid, tick labels, axis labels and the title."""
    left, right, top, bottom = xs(xs.low), xs(xs.high), ys(ys.high), ys(ys.low)
    parts = [f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" fill="#ffffff" stroke="#999999"/>']
    grid, labels = [], []
    x_ticks, x_step = _ticks(xs.low, xs.high, 9)
    for tick in x_ticks:
        px = xs(tick)
        grid.append(f"M{px:.1f} {top:.1f}V{bottom:.1f}")
        labels.append(_text(px, bottom + 13, _tick_label(tick, x_step)))
    y_ticks, y_step = _ticks(ys.low, ys.high, 7, integer=integer_y)
    for tick in y_ticks:
        py = ys(tick)
        grid.append(f"M{left:.1f} {py:.1f}H{right:.1f}")
        labels.append(_text(left - 4, py + 3.5, _tick_label(tick, y_step), anchor="end"))
    parts.append(f'<path d="{"".join(grid)}" stroke="#d0d0d0" stroke-width="0.8" fill="none"/>')
    parts += labels
    parts.append(_text((left + right) / 2, bottom + 29, x_label))
    parts.append(_text(14, (top + bottom) / 2, y_label, extra=f' transform="rotate(-90 14 {(top + bottom) / 2:.1f})"'))
    parts.append(_text(WIDTH / 2, 17, title[:MAX_TITLE], extra=' font-size="11"'))
    return parts


def _svg(height: float, label: str, parts: list[str]) -> Markup:
    """The picture as markup for a page: every text in ``parts`` was escaped where it was built."""
    head = (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="#1f2328"><title>{escape(label)}</title>'
    )
    return Markup(head + "".join(parts) + "</svg>")


# ---------------------------------------------------------------- comparison plots


def _numbers(stored: Any, length: int) -> list[float | None]:
    """A line from a record as ``length`` floats or ``None`` (absent, not finite, or past the end of a truncated run)."""
    if stored is None:
        return [None] * length
    values = unpack_numbers(stored)[:length]
    if None in values or not all(map(math.isfinite, values)):  # type: ignore[arg-type]  # None is ruled out first
        values = [v if v is not None and math.isfinite(v) else None for v in values]
    return values + [None] * (length - len(values))


def _line(xs: list[str], values: list[float | None], ys: _Scale) -> str:
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
        parts.append(f'<g transform="translate({x:.1f} {y:.1f})">{sample}{_text(34, 4, label, anchor="start")}</g>')
        x += width
    return parts, rows * LEGEND_ROW + 4


def render_comparison(plot: dict[str, Any]) -> Markup:
    """The student's lines (solid, with sparse markers) over the reference's (dashed), differing ranges shaded.

    Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a record too malformed to draw.
    """
    stored_x = unpack_numbers(plot["x"])
    x = [v for v in stored_x if v is not None and math.isfinite(v)]
    if not x or len(x) != len(stored_x):
        raise ValueError("a plot needs finite x values")
    tolerance = plot.get("tolerance") or {}
    rtol, atol = float(tolerance.get("rtol", 1.3e-6)), float(tolerance.get("atol", 1e-5))
    raw_series = list(plot.get("series") or [])
    several = len(raw_series) > 1
    series = []
    for index, raw in enumerate(raw_series):
        label = str(raw.get("label", ""))
        reference = _numbers(raw.get("reference"), len(x))
        student = None if raw.get("student") is None else _numbers(raw["student"], len(x))
        series.append((index, label, reference, student))
    flags = [False] * len(x)
    for _, _, reference, student in series:
        if student is not None:
            flags = [a or b for a, b in zip(flags, differing(student, reference, rtol, atol), strict=True)]
    finite = [v for _, _, reference, student in series for line in (reference, student or ()) for v in line if v is not None]
    x_low, x_high = _limits(x, margin=0.02)
    y_low, y_high = _limits(finite)
    bottom = HEIGHT - BOTTOM
    xs = _Scale.between(x_low, x_high, LEFT, WIDTH - RIGHT)
    ys = _Scale.between(y_low, y_high, bottom, TOP)
    y_label = "gradient" if plot.get("kind") == "backward" else "value"
    parts = _axes(xs, ys, "x", y_label, str(plot.get("title", "")))
    runs = _runs(x, flags)
    for low, high in runs:
        start, end = max(xs(low), float(LEFT)), min(xs(high), float(WIDTH - RIGHT))
        parts.append(
            f'<rect class="differs" x="{start:.1f}" y="{TOP}" width="{end - start:.1f}" height="{bottom - TOP}" '
            f'fill="{DIFFER_COLOUR}" fill-opacity="0.25"/>'
        )
    x_text = [f"{xs(v):.1f}" for v in x]
    legend: list[tuple[str, str]] = []
    every = max(len(x) // MARKERS_PER_LINE, 1)
    for index, label, reference, _ in series:
        colour = STUDENT_COLOURS[index % len(STUDENT_COLOURS)] if several else REFERENCE_COLOUR
        dashed = f'stroke="{colour}" stroke-opacity="0.6" stroke-width="2.2" stroke-dasharray="7 4" fill="none"'
        parts.append(f'<path class="reference" d="{_line(x_text, reference, ys)}" {dashed}/>')
        legend.append((f'<path d="M0 0H28" {dashed}/>', f"expected ({label})" if several else "expected"))
    for index, label, _, student in series:
        if student is None:
            continue
        colour = STUDENT_COLOURS[index % len(STUDENT_COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        solid = f'stroke="{colour}" stroke-width="1.6" fill="none"'
        parts.append(f'<path class="student" d="{_line(x_text, student, ys)}" {solid}/>')
        first = index * every // max(len(series), 1)
        marks = "".join(_marker(shape, xs(x[i]), ys(v)) for i in range(first, len(x), every) if (v := student[i]) is not None)
        if marks:
            parts.append(f'<path d="{marks}" fill="{colour}"/>')
        sample = f'<path d="M0 0H28" {solid}/><path d="{_marker(shape, 14, 0)}" fill="{colour}"/>'
        legend.append((sample, f"yours ({label})" if several else "yours"))
    if runs:
        legend.append((f'<rect x="0" y="-5" width="28" height="10" fill="{DIFFER_COLOUR}" fill-opacity="0.35"/>', "yours differs here"))
    rows, height = _legend(legend, HEIGHT + 4)
    title = str(plot.get("title", ""))[:MAX_TITLE]
    return _svg(HEIGHT + height, f"plot: {title}", parts + rows)


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
    xs = _Scale.between(0.0, top, LEFT, WIDTH - RIGHT)
    ys = _Scale.between(0.0, max(max(counts) * 1.05, 1.0), bottom, TOP)
    title = f"Score distribution ({len(totals)} submissions, maximum {top:g})"
    parts = _axes(xs, ys, "total points", "submissions", title, integer_y=True)
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
    return _svg(HEIGHT, f"histogram of total scores: {title}", parts)


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
