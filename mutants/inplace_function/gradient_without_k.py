"""backward returns grad_output unchanged: forgets the factor k."""

import torch


class MulInplace(torch.autograd.Function):
    """x *= k in place; the output IS the input, marked dirty."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: float) -> torch.Tensor:
        x.mul_(k)
        ctx.mark_dirty(x)  # tell autograd x was modified: it rebases x's history onto this Function
        ctx.k = k  # a Python number: a ctx attribute
        return x

    @staticmethod
    def backward(ctx, grad_output):
        # d(k * x)/dx = k; k itself is not a tensor, so its gradient is None.
        return grad_output, None
