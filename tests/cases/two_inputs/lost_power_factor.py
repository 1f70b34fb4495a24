# expect: points=2 hint=-
# Wrong: d(v**3)/dv written as v**2 (forward 1 + frozen_v 1, where only u's gradient is used). No declared mistake fits.
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
            grad_v = grad_output * (u + v**2)
        return grad_u, grad_v
