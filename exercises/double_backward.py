"""Exercise double_backward: a custom Function you can differentiate twice, and torch.func.

Part 1: ``MyCube``, the cube x**3 as a custom Function that supports double backward and
``torch.func`` transforms (``grad``, ``grad(grad(...))``, ``vmap``). Three rules make that work:

1. Use the ``forward(x)`` + ``setup_context(ctx, inputs, output)`` style; ``torch.func`` refuses
   Functions whose ``forward`` takes ``ctx``.
2. ``backward`` must be built from differentiable torch operations on tensors saved with
   ``ctx.save_for_backward``. An intermediate such as the derivative 3x² must be
   RETURNED by ``forward`` as an extra output and saved from ``output`` in ``setup_context``:
   ``forward`` and ``setup_context`` run without recording a graph, so a tensor computed there
   and kept on ``ctx`` has no history, and its derivative silently becomes 0.
3. Set the class attribute ``generate_vmap_rule`` to True so that ``vmap`` can batch it.

So ``forward(x)`` returns the pair (x³, 3x²), ``setup_context`` saves x and that derivative
(call it dx), and ``backward(ctx, grad_output, grad_dx)`` receives one upstream gradient per
output. Both outputs depend on x, so by the chain rule their contributions add up:
dL/dx = dL/d(x³) · 3x² + dL/d(dx) · 6x   (since d(x³)/dx = 3x² and d(3x²)/dx = 6x).
Worked value: at x = 2 with upstreams 1 and 0.5, dL/dx = 12 + 0.5 · 12 = 18.
``my_cube(x)`` returns the first output only.

At x = 2: ``my_cube(2) = 8``, the first derivative is 12 and the second is 12 (= 6x);
``torch.func.vmap(my_cube)(torch.tensor([1., 2., 3.])) = [1, 8, 27]``, and
``vmap(grad(my_cube))`` gives ``[3, 12, 27]``.
Test yourself: ``torch.autograd.gradgradcheck(my_cube, (torch.rand(3, dtype=torch.float64, requires_grad=True),))``.

Part 2: ``jac_hess(u0, v0)`` returns ``(jacobian, hessian)`` of f(u, v) = u*v + u**2 + v**3 at
(u0, v0), computed with ``torch.func.jacrev`` and ``torch.func.hessian`` on a function of ONE
float64 tensor p holding (u0, v0) (u = p[0], v = p[1]):
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
    """``MyCube.apply(x)`` returns the pair (x³, 3x²).

    Remember the class attribute that lets vmap batch this Function (rule 3 above).
    """

    @staticmethod
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (x³, 3x²): the derivative is an output so that it can be saved."""
        raise NotImplementedError("not started: MyCube.forward (see the module docstring)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Save x (from ``inputs``) and the derivative (from ``output``) with ``ctx.save_for_backward``."""
        raise NotImplementedError("not started: MyCube.setup_context (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        """Return dL/dx from the saved tensors: the two outputs' contributions, added (module docstring)."""
        raise NotImplementedError("not started: MyCube.backward (see the module docstring: the chain rule)")


def my_cube(x: torch.Tensor) -> torch.Tensor:
    """x³ through MyCube: the first of the two outputs of ``MyCube.apply``."""
    raise NotImplementedError("not started: my_cube (see its docstring)")


def jac_hess(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(Jacobian of shape (2,), Hessian of shape (2, 2)) of u*v + u**2 + v**3 at (u0, v0), float64."""
    raise NotImplementedError("not started: jac_hess (see the module docstring: torch.func.jacrev, torch.func.hessian)")
