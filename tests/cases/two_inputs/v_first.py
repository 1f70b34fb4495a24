# expect: points=1 hint=wrong order
# Wrong: returns the v gradient first (only the forward check passes).
import torch


class Poly2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v):
        ctx.save_for_backward(u, v)
        return u * v + u**2 + v**3

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        dv = None if not ctx.needs_input_grad[1] else (u + 3 * v**2) * grad_output
        du = None if not ctx.needs_input_grad[0] else (v + 2 * u) * grad_output
        return dv, du
