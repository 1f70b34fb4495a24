# expect: points=4 hint=-
# Wrong: backward adds 6 * dx, a term independent of the upstream gradient. At upstream 1 (torch.func.grad) the
# result is exactly 7 times the right one, at upstreams 3 and -0.5 it is not: no "constant factor" may be claimed.

import torch
from torch import func


class MyCube(torch.autograd.Function):
    """x**3, returning the derivative 3*x**2 as a second output so that it can be saved."""

    generate_vmap_rule = True  # forward and backward use only torch ops: vmap can derive the rule

    @staticmethod
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        result = x**3
        dx = 3 * x**2  # an intermediate backward needs: return it as an output...
        return result, dx

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        _, dx = output
        ctx.save_for_backward(x, dx)  # ...so that it can be saved with its history

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        # Built from differentiable ops on saved tensors, so autograd can differentiate it again:
        # d(result)/dx = dx, d(dx)/dx = 6x.
        return grad_output * dx + 6 * dx + grad_dx * 6 * x


def my_cube(x: torch.Tensor) -> torch.Tensor:
    """x**3 through MyCube: the first output only."""
    result, _ = MyCube.apply(x)
    return result


def _f(p: torch.Tensor) -> torch.Tensor:
    u, v = p[0], p[1]
    return u * v + u**2 + v**3


def jac_hess(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Jacobian (2,) and Hessian (2, 2) of f(u, v) = u*v + u**2 + v**3 at (u0, v0), float64."""
    p = torch.tensor([float(u0), float(v0)], dtype=torch.float64)
    return func.jacrev(_f)(p), func.hessian(_f)(p)
