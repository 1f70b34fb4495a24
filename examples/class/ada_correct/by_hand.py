import math


def manual_partials(u0, v0):
    u = float(u0)
    v = float(v0)
    return (v + 2.0 * u, u + 3.0 * v * v)


def manual_scaled_sin_derivative(x0):
    k = 2 * math.sqrt(2)
    return math.cos(x0 / k) * (1 / k)
