"""Reference: squaring as a custom autograd Function."""

import torch


class SQ(torch.autograd.Function):
    """y = i**2 with a hand-written backward dL/di = dL/dy * 2i."""

    @staticmethod
    def forward(ctx, i: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (i,) = ctx.saved_tensors
        return grad_output * 2 * i
