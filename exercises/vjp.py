"""Exercise vjp: vector-Jacobian products with backward(gradient=v) and torch.autograd.grad.

For y = x² taken element by element, the Jacobian dy/dx is diagonal with
entries 2*x. ``backward()`` without arguments only works for a scalar; for a
tensor y, autograd computes a vector-Jacobian product: given weights v shaped
like y, it returns v^T J, here ``2 * x * v``. Example: x = [1, 2, 3] and
v = [0.1, 1, 10] give [0.2, 4.0, 60.0].

Docs: https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html
and https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
"""

import torch


def vjp_square(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return the vector-Jacobian product v^T J of y = x² at x, using ``backward`` with ``gradient=v``.

    x is the caller's float tensor (any shape) and usually does not require
    grad. Do not change it: not its values, not its ``requires_grad``, not its
    ``.grad``. Make your own leaf instead: a detached copy of x
    (``Tensor.clone``) that requires grad (``Tensor.requires_grad_``). Square
    it, call backward on the result with ``gradient=`` the weights v, and read
    the product from your leaf's ``.grad``.

    Pitfalls:
    - ``backward()`` without ``gradient`` fails for a non-scalar y, and
      ``y.sum().backward()`` weights every element by 1, ignoring v.
    - v must have exactly y's shape. ``backward(gradient=v)`` raises a
      RuntimeError ("Mismatch in shape") otherwise; let it raise. Writing
      ``(y * v).sum().backward()`` would silently broadcast a v of shape (3,)
      against an x of shape (2, 3) instead of reporting the mistake.
    """
    raise NotImplementedError("not started: vjp_square (see its docstring)")


def vjp_square_grad(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return the same product 2 * x * v, using ``torch.autograd.grad`` instead of backward.

    ``torch.autograd.grad`` takes the weights as ``grad_outputs`` and returns the gradients as a
    tuple (one per input: unpack it) and, unlike ``backward``, does not write
    anything into ``x.grad``.

    Here x may already require grad, like a model parameter whose ``.grad``
    belongs to someone else: then differentiate with respect to x itself and
    leave ``x.grad`` exactly as it was (None in the checks). If x does not
    require grad, differentiate with respect to a detached view of it that
    requires grad (``Tensor.requires_grad_``).
    As above, a v of the wrong shape must raise.
    """
    raise NotImplementedError("not started: vjp_square_grad (see its docstring: torch.autograd.grad)")
