# expect: points=4 hint=-
# Correct: the combined style with mul_ and mark_dirty.
import torch


class MulInplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        x.mul_(k)
        ctx.mark_dirty(x)
        ctx.k = k
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.k, None
