"""Squares x.data in place: .data shares memory with the caller's x, which ends up squared, and the version counter does not move."""

import torch


def detached_product_grad(x: torch.Tensor) -> torch.Tensor:
    """d/dx of z = u * x with u = (x * x).detach(): u is a constant, so the gradient is u = x**2."""
    leaf = x.detach().clone().requires_grad_(True)  # our own leaf; the caller's x is never touched
    u = x.data
    u *= u
    z = u * leaf
    z.sum().backward()  # each z[i] depends on leaf[i] only, so leaf.grad[i] = dz[i]/dx[i]
    return leaf.grad


def full_product_grad(x: torch.Tensor) -> torch.Tensor:
    """d/dx of z = x * x * x, where every factor is tracked: 3 * x**2."""
    leaf = x.detach().clone().requires_grad_(True)
    z = leaf * leaf * leaf
    z.sum().backward()
    return leaf.grad
