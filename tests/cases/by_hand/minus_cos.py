# expect: points=4 hint=opposite sign
# Wrong: d/dx sin taken as -cos (the partials are right: 1 + 2 + 1). The built-in sign probe names it.
import math


def manual_partials(u0, v0):
    u, v = float(u0), float(v0)
    return v + 2 * u, u + 3 * v**2


def manual_scaled_sin_derivative(x0):
    s = 2**1.5
    return -math.cos(float(x0) / s) / s
