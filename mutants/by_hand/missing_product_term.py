"""The product term u*v is differentiated as if it were constant: (2u, 3v**2)."""

import math

SCALE = 2**1.5


def manual_partials(u0, v0):
    u, v = float(u0), float(v0)
    return 2 * u, 3 * v**2


def manual_scaled_sin_derivative(x0):
    x = float(x0)
    return math.cos(x / SCALE) / SCALE
