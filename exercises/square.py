"""Exercise square: the derivative of x**2 at a point, with autograd."""

import torch


def derivative_square(x0: float) -> torch.Tensor:
    """Return dy/dx of y = x² at x = x0, as a 0-d tensor.

    Calculus says dy/dx = 2x, so the answer at 9 is 18; let autograd find it:

    1. make a leaf tensor holding x0 that requires grad (``torch.tensor`` with
       ``requires_grad=True``). Only floating point tensors can require
       gradients, and x0 may arrive as an int (9), so convert it to a float;
    2. compute y = x² from that leaf with torch operations (autograd records them);
    3. call ``backward()`` on y: the derivative lands in the leaf's ``.grad``.

    Create the leaf inside the function: ``.grad`` adds up over backward
    calls, so a leaf kept between calls would answer 18, then 36, ...

    Docs: https://pytorch.org/docs/stable/notes/autograd.html
    and https://pytorch.org/docs/stable/generated/torch.Tensor.backward.html
    """
    raise NotImplementedError("not started: derivative_square (see its docstring: a leaf, y = x², backward, .grad)")
