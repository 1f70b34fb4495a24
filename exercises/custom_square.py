"""Exercise custom_square: y = i**2 as a custom autograd Function."""

import torch


class SQ(torch.autograd.Function):
    """Squaring with a hand-written backward, used as ``y = SQ.apply(x)``.

    Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
    """

    @staticmethod
    def forward(ctx, i: torch.Tensor) -> torch.Tensor:
        """Return i**2 and keep i for the backward pass.

        Tensors that backward needs go through ``ctx.save_for_backward``
        (autograd then checks that they were not modified in place before
        backward runs). SQ(3) = 9.
        """
        raise NotImplementedError("not started: SQ.forward (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/di, given grad_output = dL/dy.

        The local derivative is dy/di = 2i. By the chain rule
        dL/di = dL/dy · dy/di, and dL/dy is what autograd hands you as
        ``grad_output``: it is 1 only for ``backward()`` on a scalar y; when SQ
        sits inside a larger computation it can be any tensor shaped like y.
        Worked value: at i = 3 with dL/dy = 0.5, dL/di = 0.5 · 6 = 3.
        The tensors saved in forward come back, in order, from ``ctx.saved_tensors``.
        """
        raise NotImplementedError("not started: SQ.backward (see its docstring: the chain rule)")
