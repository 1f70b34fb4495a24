"""Exercise inplace_function: an in-place operation as a custom autograd Function.

Implement ``MulInplace`` so that ``out = MulInplace.apply(x, k)`` multiplies the tensor ``x`` by the
Python number ``k`` IN PLACE and returns ``x`` itself. This exercise uses the combined style:
``forward(ctx, x, k)`` receives ``ctx`` directly.

An in-place Function must tell autograd which input it modified, with ``ctx.mark_dirty``
in ``forward``, and return that very tensor. Autograd then

- bumps ``x``'s version counter (so any other node that saved the old ``x`` will complain
  instead of silently using the new values),
- makes ``x``'s ``grad_fn`` your ``MulInplaceBackward``: the history of ``x`` now ends with
  your multiplication.

The gradient: d(kx)/dx = k, so by the chain rule dL/dx = dL/dout · k, with dL/dout the
``grad_output`` that ``backward`` receives; ``k`` is a number, not a tensor, so its gradient is
``None``. Backward needs ``k``: keep it as an attribute of ``ctx``.

Worked example::

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    h = a.clone()                 # in-place ops are only allowed on non-leaf tensors
    out = MulInplace.apply(h, 3.0)
    # out is h -> True; h == [3, 6]; h._version went from 0 to 2; h.grad_fn is MulInplaceBackward
    out.backward(torch.tensor([1.0, 10.0]))
    # a.grad == [3, 30]

Pitfalls:

- Without ``mark_dirty`` nothing fails at once, but ``h`` keeps its old ``grad_fn``: later uses
  of ``h`` silently get wrong gradients.
- Returning a new tensor (``x * k`` or ``x.clone().mul_(k)``) is not in place: the caller's
  ``x`` is unchanged.
- ``MulInplace.apply`` on a leaf that requires grad MUST raise ("a leaf Variable that requires
  grad has been used in an in-place operation"), like ``a.mul_(3)`` does. Do not dodge it with
  ``x.data``: that hides the change from autograd.

Docs: https://pytorch.org/docs/stable/generated/torch.autograd.function.FunctionCtx.mark_dirty.html,
https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd
"""

import torch


class MulInplace(torch.autograd.Function):
    """``out = MulInplace.apply(x, k)``: x *= k in place, out is x."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: float) -> torch.Tensor:
        """Multiply x by k in place (``Tensor.mul_``), mark it dirty, keep k on ctx, return the modified x."""
        raise NotImplementedError("not started: MulInplace.forward (see the module docstring)")

    @staticmethod
    def backward(ctx, grad_output):
        """Return (gradient for x, None for k)."""
        raise NotImplementedError("not started: MulInplace.backward (see the module docstring: the chain rule)")
