# expect: points=14 hint=once_differentiable
# Wrong for double backward only: Exp.backward is marked @once_differentiable, so its gradient has no graph (16 - 2).
import torch
from torch.autograd.function import once_differentiable


class ScaledSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.c = c
        return torch.sin(x / c)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.cos(x / ctx.c) / ctx.c, None


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = torch.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out
