# expect: points=10 hint=-
# Correct: forward(u, v) + setup_context style, needs_input_grad unpacked into two names.
import torch


class Poly2(torch.autograd.Function):
    @staticmethod
    def forward(u, v):
        return u * v + u.pow(2) + v.pow(3)

    @staticmethod
    def setup_context(ctx, inputs, output):
        u, v = inputs
        ctx.save_for_backward(u, v)

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        need_u, need_v = ctx.needs_input_grad
        grad_u = grad_output * (v + 2 * u) if need_u else None
        grad_v = grad_output * (u + 3 * v * v) if need_v else None
        return grad_u, grad_v
