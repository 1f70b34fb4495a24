"""The product term u*v left out of both partials: (2u, 3v**2) times grad_output."""

import torch


class Poly2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v):
        ctx.save_for_backward(u, v)
        return u * v + u**2 + v**3

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        grad_u = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_u = grad_output * 2 * u
        if ctx.needs_input_grad[1]:
            grad_v = grad_output * 3 * v**2
        return grad_u, grad_v
