"""Exercise detach: cutting a value out of the graph with detach(), and why .data is dangerous.

``t.detach()`` returns a tensor with t's values and no history: autograd
treats it as a constant. So for z = u * x with u = (x * x).detach(), the
gradient is u = x**2, whereas for z = x * x * x it is 3 * x**2.
At x = [0, 1, 2, 3]: [0, 1, 4, 9] against [0, 3, 12, 27]; at x = 2: 4 against 12.
(This is the example of d2l.ai, section 2.5.3, "Detaching Computation".)

Docs: https://pytorch.org/docs/stable/generated/torch.Tensor.detach.html
and https://pytorch.org/docs/stable/notes/autograd.html
"""

import torch


def detached_product_grad(x: torch.Tensor) -> torch.Tensor:
    """Return dz/dx for z = u * x with u = (x * x).detach(), element by element, as a tensor shaped like x.

    x is the caller's float tensor (any shape, not requiring grad). Make your
    own leaf: a detached copy of x (``Tensor.clone``) that requires grad
    (``Tensor.requires_grad_``). Build u and z from it as above; z is not a
    scalar, so call backward on its sum (each z[i] depends on the leaf's i-th
    element only) and read the gradient from the leaf's ``.grad``.

    Never change the caller's x. Beware: ``x.detach()`` and ``x.data`` do NOT
    copy; they share x's memory, so ``u = x.detach(); u *= u`` squares the
    caller's tensor. ``.data`` is worse: it also hides the change from
    autograd's version counter, so a wrong gradient can follow without any
    error. Compute out of place: detach the finished product.
    """
    raise NotImplementedError("not started: detached_product_grad (see its docstring)")


def full_product_grad(x: torch.Tensor) -> torch.Tensor:
    """Return dz/dx for z = x * x * x (nothing detached), as a tensor shaped like x: 3 * x**2.

    Same recipe as above with z = x³ built from your leaf; do not change x.
    """
    raise NotImplementedError("not started: full_product_grad (see its docstring)")
