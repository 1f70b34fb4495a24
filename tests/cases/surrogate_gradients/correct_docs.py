# expect: points=11 hint=-
# Correct: x.sort() and index_add_ for SortF, x.clone() for GradReverse.
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
        pass

    @staticmethod
    def backward(ctx, g):
        return g


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
