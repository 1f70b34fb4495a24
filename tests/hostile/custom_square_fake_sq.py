"""Hostile (custom_square): an SQ that is not a torch.autograd.Function but quacks like one."""

import torch


class SQ:
    @staticmethod
    def forward(ctx, i):
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 2

    @staticmethod
    def apply(i):
        return torch.pow(i, 2)
