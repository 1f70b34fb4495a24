"""Not in place: returns x.clone() * k, a new tensor, and leaves x unchanged."""

import torch


class MulInplace(torch.autograd.Function):
    """x *= k in place; the output IS the input, marked dirty."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: float) -> torch.Tensor:
        ctx.k = k
        return x.clone() * k

    @staticmethod
    def backward(ctx, grad_output):
        # d(k * x)/dx = k; k itself is not a tensor, so its gradient is None.
        return grad_output * ctx.k, None
