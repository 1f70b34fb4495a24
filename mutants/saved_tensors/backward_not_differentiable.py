"""M14: Exp.backward marked @once_differentiable, so its gradient cannot be differentiated again."""

import torch
from torch.autograd.function import once_differentiable


class ScaledSin(torch.autograd.Function):
    """y = sin(x / c); dL/dx = grad_output * cos(x / c) / c, and None for the float c."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, c: float) -> torch.Tensor:
        ctx.save_for_backward(x)  # the input: backward needs cos(x / c)
        ctx.c = c  # a Python float is not a tensor: an attribute is right for it
        return torch.sin(x / c)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        # outer derivative cos(x / c) times inner derivative 1 / c; differentiable
        # torch operations on the saved x, so double backward works too
        return grad_output * torch.cos(x / ctx.c) / ctx.c, None


class Exp(torch.autograd.Function):
    """y = exp(x); its derivative is its own output, so the output is what backward needs."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        result = torch.exp(x)
        ctx.save_for_backward(result)  # unpacked in backward with its graph: double backward works
        return result

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (result,) = ctx.saved_tensors
        return grad_output * result
