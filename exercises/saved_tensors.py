"""Exercise saved_tensors: what to save for backward, inputs or outputs.

Two custom Functions, each used through ``apply``:

- ``y = ScaledSin.apply(x, c)`` computes sin(x / c) for a tensor ``x`` and a
  Python float ``c``. Its backward needs the INPUT ``x``: save it.
- ``y = Exp.apply(x)`` computes exp(x). Since d/dx exp(x) = exp(x), its
  backward can reuse the OUTPUT: save the result instead of recomputing it.

Both must also support double backward (second derivatives, as checked by
``torch.autograd.gradgradcheck``): compute the backward from tensors you got
back from ``ctx.saved_tensors`` with ordinary differentiable torch operations.
Do not keep tensors computed inside forward as ``ctx`` attributes (such as
``ctx.z = x / c``): forward runs without recording a graph, so those tensors
carry no history and the second derivative through them is lost.

Test yourself in float64::

    x = torch.rand(4, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda t: ScaledSin.apply(t, 2**1.5), (x,))
    torch.autograd.gradgradcheck(Exp.apply, (x,))

Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
and the tutorial https://pytorch.org/tutorials/intermediate/custom_function_double_backward_tutorial.html
"""

import torch


class ScaledSin(torch.autograd.Function):
    """y = sin(x / c), with ``c`` a Python float; used as ``ScaledSin.apply(x, c)``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, c: float) -> torch.Tensor:
        """Return sin(x / c).

        Tensors go through ``ctx.save_for_backward``; ``c`` is a Python float,
        not a tensor, so keep it as an attribute of ``ctx`` instead.
        """
        raise NotImplementedError("not started: ScaledSin.forward (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        """Return one gradient per forward input: (dL/dx, None).

        Chain rule: dy/dx = cos(x / c) · (1 / c) (do not forget the inner
        factor 1 / c), and dL/dx = dL/dy · dy/dx with dL/dy = ``grad_output``.
        ``c`` is a Python float, not a tensor: its gradient must be ``None``
        (a tensor there makes autograd raise "returned a gradient different
        than None at position 2").
        At x = 100, c = 2**1.5 and grad_output = 1: y = -0.7158354760, dL/dx = -0.2468753661.
        """
        raise NotImplementedError("not started: ScaledSin.backward (see its docstring: the chain rule)")


class Exp(torch.autograd.Function):
    """y = exp(x), saving its OUTPUT for backward; used as ``Exp.apply(x)``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        """Return exp(x), passing the RESULT (not x) to ``ctx.save_for_backward``."""
        raise NotImplementedError("not started: Exp.forward (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/dx = dL/dy · exp(x), with dL/dy = ``grad_output``.

        The tensor you saved (from ``ctx.saved_tensors``) IS exp(x): use it, do not take exp of it again.
        At x = 1 the value, the first and the second derivative all equal e = 2.7182818285.
        """
        raise NotImplementedError("not started: Exp.backward (see its docstring: the chain rule)")
