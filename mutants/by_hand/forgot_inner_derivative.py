"""M23: only the outer derivative cos(x / 2**1.5); the inner factor 1 / 2**1.5 is missing."""

import math

SCALE = 2**1.5


def manual_partials(u0, v0):
    u, v = float(u0), float(v0)
    return v + 2 * u, u + 3 * v**2


def manual_scaled_sin_derivative(x0):
    x = float(x0)
    return math.cos(x / SCALE)
