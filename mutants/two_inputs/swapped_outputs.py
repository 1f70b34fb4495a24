"""The two gradients returned in the wrong order: (dL/dv, dL/du)."""

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
            grad_u = grad_output * (v + 2 * u)
        if ctx.needs_input_grad[1]:
            grad_v = grad_output * (u + 3 * v**2)
        return grad_v, grad_u
