# expect: points=9 hint=-
# Wrong: a clipped straight-through estimator (gradient only where |x| <= 1), not the plain one asked for: both RoundSTE backward checks fail. No declared mistake fits.
import torch
from torch.autograd.function import once_differentiable


class SortF(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x.sort()

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, idx = output
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)

    @staticmethod
    @once_differentiable
    def backward(ctx, g_sorted, g_idx):
        (idx,) = ctx.saved_tensors
        grad = torch.zeros_like(g_sorted)
        grad.index_add_(0, idx, g_sorted)
        return grad


class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return torch.round(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(x, lambd):
        return x.clone()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.lambd = inputs[1]

    @staticmethod
    def backward(ctx, g):
        return -ctx.lambd * g, None
