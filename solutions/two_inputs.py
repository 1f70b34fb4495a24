"""Reference: a two-input custom Function that honours ctx.needs_input_grad."""

import torch


class Poly2(torch.autograd.Function):
    """f(u, v) = u*v + u**2 + v**3; backward gives (dL/du, dL/dv) or None where not needed."""

    @staticmethod
    def forward(ctx, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(u, v)
        return u * v + u**2 + v**3

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        u, v = ctx.saved_tensors
        grad_u = grad_v = None
        if ctx.needs_input_grad[0]:  # df/du = v + 2u
            grad_u = grad_output * (v + 2 * u)
        if ctx.needs_input_grad[1]:  # df/dv = u + 3v**2
            grad_v = grad_output * (u + 3 * v**2)
        return grad_u, grad_v
