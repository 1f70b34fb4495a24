"""full_product_grad multiplies through .data: autograd never sees the third factor and returns 2 * x instead of 3 * x**2."""

import torch


def detached_product_grad(x: torch.Tensor) -> torch.Tensor:
    """d/dx of z = u * x with u = (x * x).detach(): u is a constant, so the gradient is u = x**2."""
    leaf = x.detach().clone().requires_grad_(True)  # our own leaf; the caller's x is never touched
    u = (leaf * leaf).detach()  # same values as leaf * leaf, but no history: a constant for backward
    z = u * leaf
    z.sum().backward()  # each z[i] depends on leaf[i] only, so leaf.grad[i] = dz[i]/dx[i]
    return leaf.grad


def full_product_grad(x: torch.Tensor) -> torch.Tensor:
    """d/dx of z = x * x * x, where every factor is tracked: 3 * x**2."""
    leaf = x.detach().clone().requires_grad_(True)
    z = leaf * leaf
    z.data.mul_(leaf.data)
    z.sum().backward()
    return leaf.grad
