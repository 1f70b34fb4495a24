"""Exercise double_backward: a custom Function you can differentiate twice, and torch.func.

Part 1: ``MyCube``, the cube x**3 as a custom Function that supports double backward and
``torch.func`` transforms (``grad``, ``grad(grad(...))``, ``vmap``). Three rules make that work:

1. Use the ``forward(x)`` + ``setup_context(ctx, inputs, output)`` style; ``torch.func`` refuses
   Functions whose ``forward`` takes ``ctx``.
2. ``backward`` must be built from differentiable torch operations on tensors saved with
   ``ctx.save_for_backward``. An intermediate such as the derivative ``dx = 3 * x**2`` must be
   RETURNED by ``forward`` as an extra output and saved from ``output`` in ``setup_context``:
   ``forward`` and ``setup_context`` run without recording a graph, so a tensor computed there
   and kept on ``ctx`` has no history, and its derivative silently becomes 0.
3. Set the class attribute ``generate_vmap_rule = True`` so that ``vmap`` can batch it.

So ``forward(x)`` returns ``(x**3, 3 * x**2)``, ``setup_context`` saves ``x`` and ``dx``, and
``backward(ctx, grad_output, grad_dx)`` (one gradient per output) returns
``grad_output * dx + grad_dx * 6 * x`` (since d(x**3)/dx = dx and d(dx)/dx = 6x).
``my_cube(x)`` returns the first output only.

At x = 2: ``my_cube(2) = 8``, the first derivative is 12 and the second is 12 (= 6x);
``torch.func.vmap(my_cube)(torch.tensor([1., 2., 3.])) = [1, 8, 27]``, and
``vmap(grad(my_cube))`` gives ``[3, 12, 27]``.
Test yourself: ``torch.autograd.gradgradcheck(my_cube, (torch.rand(3, dtype=torch.float64, requires_grad=True),))``.

Part 2: ``jac_hess(u0, v0)`` returns ``(jacobian, hessian)`` of f(u, v) = u*v + u**2 + v**3 at
(u0, v0), computed with ``torch.func.jacrev`` and ``torch.func.hessian`` on a function of ONE
tensor ``p = torch.tensor([float(u0), float(v0)], dtype=torch.float64)`` (u = p[0], v = p[1]):
``jacobian`` has shape (2,), ``hessian`` shape (2, 2), both float64. By hand,
∇f = (v + 2u, u + 3v²) and the Hessian is [[2, 1], [1, 6v]]; at (2, 4): ``[8, 50]`` and
``[[2, 1], [1, 24]]``. ``u0`` and ``v0`` may be Python ints: cast them with ``float``.

Docs: https://pytorch.org/docs/stable/notes/extending.func.html,
https://pytorch.org/tutorials/intermediate/custom_function_double_backward_tutorial.html,
https://pytorch.org/docs/stable/generated/torch.func.jacrev.html,
https://pytorch.org/docs/stable/generated/torch.func.hessian.html
"""

import torch
from torch import func  # noqa: F401  (torch.func.jacrev, torch.func.hessian, ...)


class MyCube(torch.autograd.Function):
    """``result, dx = MyCube.apply(x)`` with result = x**3 and dx = 3 * x**2.

    Remember the class attribute that lets vmap batch this Function (rule 3 above).
    """

    @staticmethod
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (x**3, 3 * x**2): the derivative is an output so that it can be saved."""
        raise NotImplementedError("return x**3 and 3 * x**2")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Save x (from inputs) and dx (from output) with ctx.save_for_backward."""
        raise NotImplementedError("ctx.save_for_backward(x, dx) with x from inputs and dx from output")

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        """Return grad_output * dx + grad_dx * 6 * x, from the saved tensors."""
        raise NotImplementedError("x, dx = ctx.saved_tensors; return grad_output * dx + grad_dx * 6 * x")


def my_cube(x: torch.Tensor) -> torch.Tensor:
    """x**3 through MyCube: return the first output of MyCube.apply(x)."""
    raise NotImplementedError("result, _ = MyCube.apply(x); return result")


def jac_hess(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(Jacobian of shape (2,), Hessian of shape (2, 2)) of u*v + u**2 + v**3 at (u0, v0), float64."""
    raise NotImplementedError("use torch.func.jacrev and torch.func.hessian on a function of p = [u, v]")
