"""Reference: the derivative of x**2 at a point, computed by autograd."""

import torch


def derivative_square(x0: float) -> torch.Tensor:
    """Return d/dx x**2 at ``x0`` as a 0-d tensor (2 * x0).

    A fresh leaf per call keeps the function stateless: ``.grad`` accumulates,
    so a leaf shared between calls would return 2 * x0 + 2 * x0 + ...
    """
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    return x.grad
