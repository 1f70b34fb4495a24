# expect: points=14 hint=ctx attribute
# Wrong for double backward only: ScaledSin precomputes cos(x / c) / c in forward and keeps it on ctx (16 - 2).
import torch


class ScaledSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.local_grad = torch.cos(x / c) / c
        return torch.sin(x / c)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.local_grad, None


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
