# expect: points=9 hint=two gradients
# Wrong: SortF.backward(ctx, g) takes one gradient for two outputs: TypeError in every SortF backward (1 + 1 lost).
import torch


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
    def backward(ctx, g_sorted):
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
