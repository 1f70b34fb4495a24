"""Exercise custom_square: y = i**2 as a custom autograd Function."""

import torch


class SQ(torch.autograd.Function):
    """Squaring with a hand-written backward, used as ``y = SQ.apply(x)``.

    Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
    """

    @staticmethod
    def forward(ctx, i: torch.Tensor) -> torch.Tensor:
        """Return i**2 and keep i for the backward pass.

        Save tensors with ``ctx.save_for_backward(i)``; autograd then checks
        that they were not modified in place before backward runs.
        """
        raise NotImplementedError("save i with ctx.save_for_backward(i) and return i**2")

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/di, given grad_output = dL/dy.

        By the chain rule dL/di = dL/dy * dy/di = grad_output * 2 * i.
        ``grad_output`` is 1 only for ``y.backward()`` on a scalar y; when SQ
        sits inside a larger computation it can be any tensor shaped like y,
        so the local derivative 2 * i must be multiplied by it.
        Read i back with ``(i,) = ctx.saved_tensors``.
        """
        raise NotImplementedError("read i from ctx.saved_tensors and return grad_output * 2 * i")
