# expect: points=0 hint=one gradient per input
# Wrong: backward returns only the gradient of x, not None for k: "incorrect number of gradients" on every backward. No declared mistake fits; the built-in error hint names it.
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
        return grad_output * ctx.k
