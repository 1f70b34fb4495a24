# expect: points=16 hint=-
# Correct in every checked respect: Exp saves its input and recomputes exp(x) in backward (differentiable).
import math

import torch


class ScaledSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(x)
        ctx.inv_c = 1.0 / c
        return torch.sin(x * ctx.inv_c)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        local = torch.cos(x * ctx.inv_c) * ctx.inv_c
        return local * grad_output, None


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.pow(math.e, x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.exp(x)
