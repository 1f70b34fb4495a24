"""Exercise by_hand: derivatives worked out on paper, without autograd.

Autograd only automates the rules you already know: the sum rule, the power
rule, the product rule and the chain rule. Here you apply them yourself and
return plain Python floats; the grader compares your numbers with the values
autograd computes for the same functions.

This file must not use autograd at all: no ``.backward()``, no
``torch.autograd``, no ``torch.func`` and no ``requires_grad``. The grader
reads your file before running it and gives 0 points to a file that does.
Write the derivative formulas with ``math`` (or plain arithmetic) instead.

Inputs may arrive as Python ints (``manual_partials(2, 4)``); convert them
with ``float`` before you compute.
"""

import math  # noqa: F401  (math.cos is all you need)


def manual_partials(u0: float, v0: float) -> tuple[float, float]:
    """Return (df/du, df/dv) of f(u, v) = u*v + u**2 + v**3 at (u0, v0), as two floats.

    Differentiate term by term, treating the other variable as a constant:

    - d(u*v)/du = v and d(u*v)/dv = u (the product term feeds BOTH partials);
    - d(u**2)/du = 2u, and u**2 does not depend on v;
    - d(v**3)/dv = 3v**2, and v**3 does not depend on u.

    So df/du = v + 2u and df/dv = u + 3v**2; at (2, 4) the answer is (8.0, 50.0).
    Return them in that order: first with respect to u, then to v.

    Docs (what autograd would do): https://pytorch.org/docs/stable/notes/autograd.html
    """
    raise NotImplementedError("not started: manual_partials (see its docstring)")


def manual_scaled_sin_derivative(x0: float) -> float:
    """Return dy/dx of y = sin(x / 2**1.5) at x = x0, as a float.

    Chain rule: with g(x) = x / 2**1.5 (inner) and sin (outer),
    dy/dx = cos(g(x)) * g'(x) = cos(x / 2**1.5) * (1 / 2**1.5).

    The inner factor 1 / 2**1.5 (about 0.354) is the part that is easy to
    forget. At x0 = 100 the derivative is about -0.2468753661.

    Docs: https://docs.python.org/3/library/math.html#math.cos
    """
    raise NotImplementedError("not started: manual_scaled_sin_derivative (see its docstring)")
