"""Exercise vjp: vector-Jacobian products with backward(gradient=v) and torch.autograd.grad.

For y = x**2 taken element by element, the Jacobian dy/dx is diagonal with
entries 2*x. ``backward()`` without arguments only works for a scalar; for a
tensor y, autograd computes a vector-Jacobian product: given weights v shaped
like y, it returns v^T J, here ``2 * x * v``. Example: x = [1, 2, 3] and
v = [0.1, 1, 10] give [0.2, 4.0, 60.0].

Docs: https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html
and https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
"""

import torch


def vjp_square(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return the vector-Jacobian product v^T J of y = x**2 at x, using ``y.backward(gradient=v)``.

    x is the caller's float tensor (any shape) and usually does not require
    grad. Do not change it: not its values, not its ``requires_grad``, not its
    ``.grad``. Make your own leaf instead::

        leaf = x.detach().clone().requires_grad_(True)

    then ``y = leaf**2``, ``y.backward(gradient=v)`` and return ``leaf.grad``.

    Pitfalls:
    - ``y.backward()`` without ``gradient`` fails for a non-scalar y, and
      ``y.sum().backward()`` weights every element by 1, ignoring v.
    - v must have exactly y's shape. ``backward(gradient=v)`` raises a
      RuntimeError ("Mismatch in shape") otherwise; let it raise. Writing
      ``(y * v).sum().backward()`` would silently broadcast a v of shape (3,)
      against an x of shape (2, 3) instead of reporting the mistake.
    """
    raise NotImplementedError("make a leaf copy of x, y = leaf**2, y.backward(gradient=v), return leaf.grad")


def vjp_square_grad(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return the same product 2 * x * v, using ``torch.autograd.grad`` instead of backward.

    ``torch.autograd.grad(y, x, grad_outputs=v)`` returns the gradients as a
    tuple (one per input: unpack it) and, unlike ``backward``, does not write
    anything into ``x.grad``.

    Here x may already require grad, like a model parameter whose ``.grad``
    belongs to someone else: then differentiate with respect to x itself and
    leave ``x.grad`` exactly as it was (None in the checks). If x does not
    require grad, use ``x = x.detach().requires_grad_(True)`` first.
    As above, a v of the wrong shape must raise.
    """
    raise NotImplementedError("y = x**2 on a tensor that requires grad, then torch.autograd.grad(y, x, grad_outputs=v)")
