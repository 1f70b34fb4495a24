# expect: points=2 hint=grad_output
# Wrong: the tutorial's SQ, whose backward returns 2*i and ignores grad_output (forwards pass: 1 + 1).
import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return 2 * i
