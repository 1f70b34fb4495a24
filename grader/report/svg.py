"""Drawing primitives of the reports' SVG pictures: the picture's size, scales, round ticks, axes.

:mod:`grader.report.plots` draws its comparison plots and the dashboard's histogram
with these. Every text goes through :func:`markupsafe.escape` where it is built
(:func:`svg_text`), so a picture's markup holds no string from a record unescaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 630
HEIGHT = 306
"""User units of a picture (its CSS pixels on a laptop; the page's CSS scales it down on a phone). The legend adds rows below."""
LEFT = 62
RIGHT = 12
TOP = 28
BOTTOM = 38
"""Margins around the axes: tick labels on the left and below, the title above."""
FONT = 10
MAX_TITLE = 120
LARGEST = 1.7e308
"""Axis limits stop here, short of the float maximum, so that no computation on them overflows."""


@dataclass(frozen=True)
class Scale:
    """Data to picture coordinates along one axis: ``pixel = offset + value * factor``."""

    low: float
    high: float
    offset: float
    factor: float

    @classmethod
    def between(cls, low: float, high: float, start: float, end: float) -> Scale:
        # Halves first: high - low overflows for values near the float maximum, which a record may hold.
        factor = (end - start) / (high / 2 - low / 2) / 2
        return cls(low, high, start - low * factor, factor)

    def __call__(self, value: float) -> float:
        return self.offset + value * self.factor


def data_limits(values: Sequence[float], margin: float = 0.05) -> tuple[float, float]:
    """The data range widened by ``margin`` on each side; a sensible range for a constant or no data."""
    if not values:
        return -1.0, 1.0
    low, high = min(values), max(values)
    # A span too small to draw (relative to the values, or subnormal-small) is drawn as a constant: scaling it
    # to pixels would overflow (0 and 2.2e-308 gave an infinite scale factor).
    constant = high / 2 - low / 2 <= max(1e-9 * max(abs(low), abs(high)), 1e-100)
    pad = max(abs(low) * 0.1, 1.0) if constant else (high / 2 - low / 2) * 2 * margin
    return max(low - pad, -LARGEST), min(high + pad, LARGEST)


def round_ticks(low: float, high: float, most: int = 7, integer: bool = False) -> tuple[list[float], float]:
    """Round numbers between ``low`` and ``high`` (1, 2, 2.5 or 5 times a power of ten apart), and that step."""
    raw = (high / 2 - low / 2) / max(most - 1, 1) * 2  # halves, then divide: finite for any finite limits
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(round(step)))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [k * step for k in range(first, last + 1)], step


def tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as the step needs (0.25 steps: two), or three significant digits for extremes."""
    if step >= 1e-4 and max(abs(value), step) < 1e6:
        exponent = math.floor(math.log10(step) + 1e-9)
        quarter = abs(step / 10.0**exponent - 2.5) < 1e-6
        text = f"{value:.{max(0, -exponent + quarter)}f}"
    else:
        text = f"{value:.3g}"
    return "0" if text.strip("-0.") == "" else text


def svg_text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def draw_axes(xs: Scale, ys: Scale, x_label: str, y_label: str, title: str, integer_y: bool = False) -> list[str]:
    """Frame, grid, tick labels, axis labels and the title."""
    left, right, top, bottom = xs(xs.low), xs(xs.high), ys(ys.high), ys(ys.low)
    parts = [f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" fill="#ffffff" stroke="#999999"/>']
    grid, labels = [], []
    x_ticks, x_step = round_ticks(xs.low, xs.high, 9)
    for tick in x_ticks:
        px = xs(tick)
        grid.append(f"M{px:.1f} {top:.1f}V{bottom:.1f}")
        labels.append(svg_text(px, bottom + 13, tick_label(tick, x_step)))
    y_ticks, y_step = round_ticks(ys.low, ys.high, 7, integer=integer_y)
    for tick in y_ticks:
        py = ys(tick)
        grid.append(f"M{left:.1f} {py:.1f}H{right:.1f}")
        labels.append(svg_text(left - 4, py + 3.5, tick_label(tick, y_step), anchor="end"))
    parts.append(f'<path d="{"".join(grid)}" stroke="#d0d0d0" stroke-width="0.8" fill="none"/>')
    parts += labels
    parts.append(svg_text((left + right) / 2, bottom + 29, x_label))
    parts.append(svg_text(14, (top + bottom) / 2, y_label, extra=f' transform="rotate(-90 14 {(top + bottom) / 2:.1f})"'))
    parts.append(svg_text(WIDTH / 2, 17, title[:MAX_TITLE], extra=' font-size="11"'))
    return parts


def svg_picture(height: float, label: str, parts: list[str]) -> Markup:
    """The picture as markup for a page: every text in ``parts`` was escaped where it was built."""
    head = (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="#1f2328"><title>{escape(label)}</title>'
    )
    return Markup(head + "".join(parts) + "</svg>")


__all__ = [
    "BOTTOM",
    "FONT",
    "HEIGHT",
    "LARGEST",
    "LEFT",
    "MAX_TITLE",
    "RIGHT",
    "TOP",
    "WIDTH",
    "Scale",
    "data_limits",
    "draw_axes",
    "round_ticks",
    "svg_picture",
    "svg_text",
    "tick_label",
]
