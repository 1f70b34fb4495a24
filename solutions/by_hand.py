"""Reference: the partials of u*v + u**2 + v**3 and the derivative of sin(x / 2**1.5), by hand."""

import math

SCALE = 2**1.5
"""The denominator 2 * sqrt(2) of sin(x / (2 * sqrt(2)))."""


def manual_partials(u0: float, v0: float) -> tuple[float, float]:
    """(df/du, df/dv) = (v + 2u, u + 3v**2): the product term u*v contributes to both."""
    u, v = float(u0), float(v0)
    df_du = v + 2 * u  # d(uv)/du + d(u**2)/du
    df_dv = u + 3 * v**2  # d(uv)/dv + d(v**3)/dv
    return df_du, df_dv


def manual_scaled_sin_derivative(x0: float) -> float:
    """cos(x / 2**1.5) (outer derivative) times 1 / 2**1.5 (inner derivative)."""
    x = float(x0)
    return math.cos(x / SCALE) / SCALE
