"""Exercise two_inputs: a custom Function of two tensors, f(u, v) = u*v + u**2 + v**3.

``f = Poly2.apply(u, v)``. With two inputs, ``backward`` returns two
gradients, in the order of forward's arguments: ``(dL/du, dL/dv)``.

By hand: df/du = v + 2u and df/dv = u + 3v**2. With the upstream gradient
grad_output = dL/df, the chain rule gives

    dL/du = grad_output * (v + 2u)        dL/dv = grad_output * (u + 3v**2)

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
        """Return u*v + u**2 + v**3, saving both inputs with ``ctx.save_for_backward(u, v)``."""
        raise NotImplementedError("save u and v with ctx.save_for_backward(u, v) and return u * v + u**2 + v**3")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Return (dL/du, dL/dv); None for an input whose ``ctx.needs_input_grad`` entry is False.

        Read the inputs back with ``u, v = ctx.saved_tensors``. Start from
        ``grad_u = grad_v = None`` and fill each one only if it is needed.
        Keep the order: the gradient for u first, then the one for v.
        """
        raise NotImplementedError(
            "return (grad_output * (v + 2 * u), grad_output * (u + 3 * v**2)), with None where ctx.needs_input_grad is False"
        )
