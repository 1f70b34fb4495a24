# expect: points=0 hint=mark_dirty
# Wrong: x *= k in place but no ctx.mark_dirty: the returned tensor is a new alias and x keeps its CloneBackward.
import torch


class MulInplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        x *= k
        ctx.k = k
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return ctx.k * grad_output, None
