"""Exercise gradient_checker: check gradients numerically, as gradcheck and CS231n do.

A finite difference estimates a derivative from two evaluations of f. The
central difference

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2h)

has an error of order h**2, while the forward difference
(f(x + h e_i) - f(x)) / h has an error of order h: with h = 1e-5 that is about
1e-10 against 1e-5 (times the size of the higher derivatives). Rounding adds
about 1e-16 * |f| / h, which is why the evaluation must be in float64: in
float32 (about 7 digits) the difference f(x + h) - f(x - h) is mostly noise.

Docs: https://pytorch.org/docs/stable/generated/torch.autograd.gradcheck.gradcheck.html
and https://cs231n.github.io/neural-networks-3/#gradcheck
"""

import torch


def numerical_gradient(f, x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Return the central-difference gradient of f at x, a float64 tensor shaped like x.

    f takes a float tensor shaped like x and returns a 0-d tensor (call
    ``float(f(point))`` to get the number). For every element i of x::

        grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 * h)

    Example: for f(x) = sum(sin(x / 2**1.5)) at x = [100.0] the result is
    about [-0.246875366439], which autograd confirms (cos(100 / 2**1.5) / 2**1.5).

    - Evaluate f on a float64 copy of x, whatever x's dtype: a detached
      float64 tensor that is a real copy (``Tensor.to`` returns x itself when x
      is already float64; ``Tensor.clone`` copies).
    - Perturb one element at a time (a flat view of the copy, ``Tensor.view``,
      lets you index any shape), and put it back from its saved value:
      ``old + h - h`` is not always exactly ``old`` in floating point.
    - The caller's x must be unchanged when you return.
    - Use the h you are given.
    """
    raise NotImplementedError("not started: numerical_gradient (see its docstring)")


def rel_error(a, b) -> float:
    """Return max over elements of |a - b| / max(1e-8, |a| + |b|), as a Python float.

    a and b are Python numbers or tensors of the same shape (any float dtype);
    compute in float64 (``torch.as_tensor(a, dtype=torch.float64)``), take the
    element-wise ratio with the denominator clamped from below at 1e-8
    (``torch.clamp(..., min=1e-8)``), then the maximum, and return it with
    ``.item()``. Examples: rel_error(1.0, 3.0) == 0.5 and rel_error(0, 0) == 0.0
    (without the 1e-8 floor that is 0 / 0). Give the dtype: ``torch.as_tensor(1.000000001)``
    alone makes a float32 tensor, in which that number is 1.0. A correct central difference
    usually has a relative error below 1e-7 against autograd; above 1e-2 the
    gradient is probably wrong.
    """
    raise NotImplementedError("not started: rel_error (see its docstring)")
