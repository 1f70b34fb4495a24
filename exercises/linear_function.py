"""Exercise linear_function: a linear layer as a custom autograd Function.

Implement ``LinearFunction`` in the style the PyTorch docs recommend since 2.0:
``forward`` computes (it receives no ``ctx``), ``setup_context`` saves what backward
needs, and ``backward`` applies the chain rule. Then write the wrapper ``linear``.

For ``input`` of shape (N, in), ``weight`` of shape (out, in) and an optional ``bias``
of shape (out,), the layer computes

    output = input @ weight.T + bias            shape (N, out)

Given G = dL/doutput (``grad_output``, shape (N, out)), the chain rule gives

    dL/dinput  = G W             shape (N, in)
    dL/dweight = Gᵀ X            shape (out, in)
    dL/dbias   = Σ over rows of G  shape (out,)   (the bias was broadcast over N rows)

Worked example (the values the visible checks use): with
``X = [[1, 2], [3, 4], [5, 6]]``, ``W = [[1, 0], [0, 1], [1, -1]]``, ``B = [0.5, -0.5, 1]``
and upstream ``G = [[1, 0, 2], [0, 1, 0], [1, 1, 1]]``:
``linear(X, W, B) = [[1.5, 1.5, 0], [3.5, 3.5, 0], [5.5, 5.5, 0]]``,
``X.grad = [[3, -2], [0, 1], [2, 0]]``, ``W.grad = [[6, 8], [8, 10], [7, 10]]``,
``B.grad = [2, 2, 3]``.

Pitfalls:

- ``backward`` returns one value per input of ``forward``: three, even when ``bias`` is
  ``None`` (return ``None`` in that place).
- ``ctx.needs_input_grad`` is a tuple of three booleans. Compute a gradient only when it
  is asked for and return ``None`` otherwise: with a frozen weight (``requires_grad=False``)
  your backward must run exactly one matrix product, not two.
- Watch the transposes: each gradient has the shape of its input.
- Test yourself with float64 inputs:
  ``torch.autograd.gradcheck(linear, (torch.randn(4, 3, dtype=torch.float64, requires_grad=True),
  torch.randn(2, 3, dtype=torch.float64, requires_grad=True)))``, and compare with
  ``torch.nn.functional.linear``.

Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
(the ``LinearFunction`` example),
https://pytorch.org/docs/stable/generated/torch.autograd.function.FunctionCtx.save_for_backward.html
"""

import torch


class LinearFunction(torch.autograd.Function):
    """``output = input @ weight.T + bias``, used as ``LinearFunction.apply(input, weight, bias)``."""

    @staticmethod
    def forward(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """Return input @ weight.T, plus bias (broadcast over the rows) when bias is not None.

        In this style forward has no ``ctx`` argument: it only computes.
        """
        raise NotImplementedError("not started: LinearFunction.forward (see its docstring)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Save what backward needs: ``inputs`` is the tuple (input, weight, bias).

        Pass the tensors to ``ctx.save_for_backward`` (None is allowed there).
        """
        raise NotImplementedError("not started: LinearFunction.setup_context (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output):
        """Return (grad_input, grad_weight, grad_bias), each None when not needed.

        Check ``ctx.needs_input_grad[0]``, ``[1]`` and ``[2]`` before computing each one.
        """
        raise NotImplementedError("not started: LinearFunction.backward (see the module docstring: the chain rule)")


def linear(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """The functional form, like torch.nn.functional.linear: it goes through your Function's ``apply``."""
    raise NotImplementedError("not started: linear (see its docstring)")
