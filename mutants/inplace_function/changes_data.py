"""Mutant: changes x through x.data, which hides the change from autograd (no version bump, no mark_dirty)."""

import torch


class MulInplace(torch.autograd.Function):
    """x *= k in place; the output IS the input, marked dirty."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: float) -> torch.Tensor:
        x.data.mul_(k)
        ctx.k = k  # a Python number: a ctx attribute
        return x

    @staticmethod
    def backward(ctx, grad_output):
        # d(k * x)/dx = k; k itself is not a tensor, so its gradient is None.
        return grad_output * ctx.k, None
