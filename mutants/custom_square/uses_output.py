"""Saves the output y = i**2 and uses it in backward as if it were the input."""

import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i**2
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * 2 * result
