import torch


class Poly2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v):
        ctx.save_for_backward(u, v)
        return u * v + u**2 + v**3

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        return grad_output * (v + 2 * u), grad_output * (u + 3 * v**2)
