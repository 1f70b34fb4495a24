"""The two bodies are swapped: detached_product_grad returns 3 * x**2 and full_product_grad x**2."""

import torch


def detached_product_grad(x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    z = leaf * leaf * leaf
    z.sum().backward()
    return leaf.grad


def full_product_grad(x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    u = (leaf * leaf).detach()
    z = u * leaf
    z.sum().backward()
    return leaf.grad
