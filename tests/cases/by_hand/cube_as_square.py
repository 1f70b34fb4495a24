# expect: points=4 hint=-
# Wrong: d(v**3)/dv taken as 3v instead of 3v**2 (the sin derivative is right: 1 + 2 + 1). No declared mistake fits.
import math


def manual_partials(u0, v0):
    u, v = float(u0), float(v0)
    return v + 2 * u, u + 3 * v


def manual_scaled_sin_derivative(x0):
    return math.cos(x0 / 2**1.5) / 2**1.5
