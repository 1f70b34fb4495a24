"""Reference: the chain rule through sin(x / 2**1.5), computed by autograd."""

import torch


def derivative_scaled_sin(x0: float) -> torch.Tensor:
    """Return d/dx sin(x / 2**1.5) at ``x0`` as a 0-d tensor.

    By the chain rule this is cos(x0 / 2**1.5) / 2**1.5; autograd applies the
    inner factor 1 / 2**1.5 for us.
    """
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.sin(x / 2**1.5)
    y.backward()
    return x.grad
