# expect: points=2 hint=sign flipped
# Wrong: backward returns minus the gradient (forwards pass: 1 + 1). No declared mistake: the built-in probe names it.
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return -2 * i * grad_output
