"""The two partials returned in the wrong order: (df/dv, df/du)."""

import math

SCALE = 2**1.5


def manual_partials(u0, v0):
    u, v = float(u0), float(v0)
    return u + 3 * v**2, v + 2 * u


def manual_scaled_sin_derivative(x0):
    x = float(x0)
    return math.cos(x / SCALE) / SCALE
