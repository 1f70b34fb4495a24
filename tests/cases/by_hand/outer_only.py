# expect: points=4 hint=2**1.5
# Wrong: d/dx sin(x / (2 sqrt 2)) written as cos(x / (2 sqrt 2)); the partials are right (1 + 2 + 1).
import math


def manual_partials(u0, v0):
    return float(v0 + 2 * u0), float(u0 + 3 * v0**2)


def manual_scaled_sin_derivative(x0):
    return math.cos(x0 / (2 * math.sqrt(2)))
