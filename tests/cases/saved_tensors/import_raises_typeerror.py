# expect: points=0 hint=while it was being imported
# Wrong: a module-level self-test raises TypeError at import, after both classes are defined. Every check must
# show that error and its line, not "your file does not define ScaledSin".
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
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


check = ScaledSin.apply(torch.ones(2), 2.0) + "a self-test that never ran"
