# expect: points=9 hint=grad_output
# Wrong: Exp.backward returns the saved output alone (ScaledSin 8 + exp_forward 1; the double-backward
# case at x = 1 with upstream 1 passes, its vector case does not).
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
        return grad_output * torch.cos(x / ctx.c) / ctx.c, None


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = torch.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return out
