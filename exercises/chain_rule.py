"""Exercise chain_rule: differentiate sin(x / 2**1.5) with autograd."""

import torch


def derivative_scaled_sin(x0: float) -> torch.Tensor:
    """Return dy/dx of y = sin(x / (2 * sqrt(2))) at x = x0, as a 0-d tensor.

    2 * sqrt(2) = 2**1.5. By the chain rule
    dy/dx = cos(x / 2**1.5) * d/dx (x / 2**1.5) = cos(x / 2**1.5) / 2**1.5,
    which is about -0.2469 at x0 = 100. Autograd applies the chain rule for
    you: build y from a leaf that requires grad, call ``backward()`` on y and
    read the derivative from the leaf's ``.grad``.

    Use ``torch.sin`` (``math.sin`` turns the tensor into a Python float and
    leaves the graph), and cast x0 with ``float`` because it may be an int.

    Docs: https://pytorch.org/docs/stable/generated/torch.sin.html
    """
    raise NotImplementedError("not started: derivative_scaled_sin (see its docstring: let autograd apply the chain rule)")
