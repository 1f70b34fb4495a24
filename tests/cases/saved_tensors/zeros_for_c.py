# expect: points=9 hint=None in its place
# Wrong: ScaledSin.backward returns zeros for c, so autograd raises (ScaledSin forward 1 + all of Exp 8).
import torch


class ScaledSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.c = c
        return torch.sin(x / c)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.cos(x / ctx.c) / ctx.c, torch.zeros_like(x)


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = torch.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out
