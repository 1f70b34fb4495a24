# expect: points=2 hint=half the right values
# Wrong: backward forgets the factor 2 (forwards pass: 1 + 1).
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return i * grad_output
