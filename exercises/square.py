"""Exercise square: the derivative of x**2 at a point, with autograd."""

import torch


def derivative_square(x0: float) -> torch.Tensor:
    """Return dy/dx of y = x**2 at x = x0, as a 0-d tensor.

    Calculus says dy/dx = 2x, so the answer at 9 is 18; let autograd find it:

    1. make a leaf ``x = torch.tensor(..., requires_grad=True)`` holding x0.
       Only floating point tensors can require gradients, and x0 may arrive
       as an int (9), so convert it with ``float(x0)`` first;
    2. compute ``y = x**2`` (autograd records the operation);
    3. call ``y.backward()`` and return ``x.grad``.

    Create the leaf inside the function: ``.grad`` adds up over backward
    calls, so a leaf kept between calls would answer 18, then 36, ...

    Docs: https://pytorch.org/docs/stable/notes/autograd.html
    and https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html
    """
    raise NotImplementedError("create a leaf x from x0, compute y = x**2, call y.backward() and return x.grad")
