"""Reference: vector-Jacobian products of y = x**2, with backward(gradient=v) and with autograd.grad."""

import torch


def vjp_square(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return v^T J of y = x**2 (that is 2 * x * v) via ``y.backward(gradient=v)``.

    x is the caller's data: we differentiate a private leaf copy, so the caller's
    tensor (its values, requires_grad flag and .grad) is never touched.
    """
    leaf = x.detach().clone().requires_grad_(True)
    y = leaf**2
    # y is not a scalar: backward needs the weights v of the output elements,
    # and autograd checks that v has exactly y's shape (no broadcasting).
    y.backward(gradient=v)
    return leaf.grad


def vjp_square_grad(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The same product via ``torch.autograd.grad``, which returns it instead of writing ``x.grad``.

    When x already requires grad (a model parameter, say) we differentiate with
    respect to x itself; its .grad stays exactly as the caller left it.
    """
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)  # a new leaf sharing memory; the caller's x is unchanged
    y = x**2
    (grad,) = torch.autograd.grad(y, x, grad_outputs=v)
    return grad
