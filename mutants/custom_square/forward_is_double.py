"""Implements y = 2*i (the tutorial's 'Let's say: y = 2x') instead of y = i**2."""

import torch


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        return 2 * i

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 2
