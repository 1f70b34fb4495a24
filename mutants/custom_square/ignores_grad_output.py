"""The tutorial's SQ: backward returns 2*i whatever grad_output is."""

import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i**2
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        grad_output = 2 * i
        return grad_output
