"""Exercise two_inputs: a custom Function of two tensors, f(u, v) = u*v + u**2 + v**3.

``f = Poly2.apply(u, v)``. With two inputs, ``backward`` returns two
gradients, in the order of forward's arguments: ``(dL/du, dL/dv)``.

By hand: ∂f/∂u = v + 2u and ∂f/∂v = u + 3v². Backward receives the upstream
gradient dL/df (``grad_output``), and the chain rule gives

    dL/du = dL/df · ∂f/∂u        dL/dv = dL/df · ∂f/∂v

At (u, v) = (2, 4): f = 76 and, with grad_output = 2, (dL/du, dL/dv) = (16, 100).

``ctx.needs_input_grad`` is a tuple of booleans, one per forward argument:
``ctx.needs_input_grad[1]`` is False when ``v`` does not require grad (a
frozen parameter, a constant). Then do not compute that gradient at all and
return ``None`` in its place; it saves work, and the checks verify it.

Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
(the ``LinearFunction`` example uses ``needs_input_grad`` the same way).
"""

import torch


class Poly2(torch.autograd.Function):
    """f(u, v) = u*v + u**2 + v**3 with a hand-written backward."""

    @staticmethod
    def forward(ctx, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Return f(u, v) = uv + u² + v³, passing both inputs to ``ctx.save_for_backward``."""
        raise NotImplementedError("not started: Poly2.forward (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Return (dL/du, dL/dv); None for an input whose ``ctx.needs_input_grad`` entry is False.

        The inputs come back from ``ctx.saved_tensors`` in the order you saved
        them. Compute each gradient only when its ``ctx.needs_input_grad``
        entry is True and give None otherwise. Keep the order: the gradient
        for u first, then the one for v.
        """
        raise NotImplementedError("not started: Poly2.backward (see its docstring: the chain rule, ctx.needs_input_grad)")
