# expect: points=0 hint=x.data
# Wrong: multiplies x.data in place and returns x without mark_dirty: no error on a leaf, version and grad_fn unchanged.
import torch


class MulInplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        x.data *= k
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.k, None
