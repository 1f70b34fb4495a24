"""M15: ScaledSin keeps the intermediate x / c on ctx; forward recorded no graph, so double backward loses it."""

import torch


class ScaledSin(torch.autograd.Function):
    """y = sin(x / c); dL/dx = grad_output * cos(x / c) / c, and None for the float c."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, c: float) -> torch.Tensor:
        ctx.scaled = x / c  # computed once in forward, reused in backward
        ctx.c = c
        return torch.sin(ctx.scaled)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad_output * torch.cos(ctx.scaled) / ctx.c, None


class Exp(torch.autograd.Function):
    """y = exp(x); its derivative is its own output, so the output is what backward needs."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        result = torch.exp(x)
        ctx.save_for_backward(result)  # unpacked in backward with its graph: double backward works
        return result

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (result,) = ctx.saved_tensors
        return grad_output * result
