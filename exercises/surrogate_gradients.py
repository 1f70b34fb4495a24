"""Exercise surrogate_gradients: outputs without gradients, and gradients that are not derivatives.

Three small Functions in the ``forward`` + ``setup_context`` + ``backward`` style.

``SortF``: ``SortF.apply(x)`` sorts a vector and returns the pair ``(sorted, indices)``, like
``torch.sort``. The indices are integers: they have no gradient, so declare them with
``ctx.mark_non_differentiable`` in ``setup_context``. ``backward`` still receives
ONE gradient PER OUTPUT, ``backward(ctx, grad_sorted, grad_indices)``, and returns one per
input. Since ``sorted[i] = x[indices[i]]``, the gradient of ``x[indices[i]]`` is
``grad_sorted[i]``: put each upstream value back where its element came from.
Example: ``x = [3, 1, 2]`` gives ``sorted = [1, 2, 3]``, ``indices = [1, 2, 0]``, and the upstream
``[1, 10, 100]`` gives ``x.grad = [100, 1, 10]``.

``RoundSTE``: the straight-through estimator. ``forward`` rounds like ``torch.round`` (which rounds
halves to even: 2.5 -> 2, -2.5 -> -2, 0.5 -> 0); the true derivative of rounding is 0 almost
everywhere, which would stop all learning, so ``backward`` pretends round was the identity:
dL/dx = dL/dy.
Example: ``[0.4, 1.6, -2.5]`` rounds to ``[0, 2, -2]`` and the upstream ``[1, 2, 3]`` comes back
as ``x.grad = [1, 2, 3]``.

``GradReverse``: the gradient reversal layer of domain-adversarial training.
``GradReverse.apply(x, lambd)`` returns ``x``'s values unchanged (as a new view: ``Tensor.view_as``,
since returning the input object itself confuses autograd), and ``backward`` flips and scales the
upstream gradient: dL/dx = -λ · dL/dy. ``lambd`` is a Python number: keep it as an attribute of
``ctx`` and return ``None`` as its gradient. Example: ``lambd = 0.5`` and upstream ``[2, 4]`` give ``[-1, -2]``.

Pitfalls: a backward with the wrong number of parameters raises ``TypeError: ... takes 2
positional arguments but 3 were given``; a backward that returns the wrong number of values
raises ``returned an incorrect number of gradients``. Mark only the indices as non-differentiable,
not the sorted values.

Docs: https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd,
https://pytorch.org/docs/stable/generated/torch.autograd.function.FunctionCtx.mark_non_differentiable.html,
https://pytorch.org/docs/stable/generated/torch.round.html
"""

import torch


class SortF(torch.autograd.Function):
    """``sorted, indices = SortF.apply(x)`` for a 1-d tensor x."""

    @staticmethod
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (sorted values, indices), e.g. with torch.sort(x)."""
        raise NotImplementedError("not started: SortF.forward (see the module docstring)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """``output`` is the pair (sorted, indices): mark the indices non-differentiable and save them."""
        raise NotImplementedError("not started: SortF.setup_context (see the module docstring)")

    @staticmethod
    def backward(ctx, grad_sorted, grad_indices):
        """Return the gradient of x: grad_sorted[i] goes back to position indices[i]."""
        raise NotImplementedError("not started: SortF.backward (see the module docstring)")


class RoundSTE(torch.autograd.Function):
    """``y = RoundSTE.apply(x)``: round forward, identity backward."""

    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        """Return x rounded to the nearest integer, halves to even (``torch.round``)."""
        raise NotImplementedError("not started: RoundSTE.forward (see the module docstring)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Nothing needs saving for a straight-through gradient."""
        raise NotImplementedError("not started: RoundSTE.setup_context (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output):
        """Return the straight-through gradient: the upstream gradient, as if round were the identity."""
        raise NotImplementedError("not started: RoundSTE.backward (see the module docstring)")


class GradReverse(torch.autograd.Function):
    """``y = GradReverse.apply(x, lambd)``: identity forward, reversed and scaled gradient backward."""

    @staticmethod
    def forward(x: torch.Tensor, lambd: float) -> torch.Tensor:
        """Return x's values unchanged, as a view of x."""
        raise NotImplementedError("not started: GradReverse.forward (see the module docstring)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """``inputs`` is (x, lambd): keep lambd on ctx."""
        raise NotImplementedError("not started: GradReverse.setup_context (see its docstring)")

    @staticmethod
    def backward(ctx, grad_output):
        """Return one value per forward input: the reversed gradient for x, None for lambd."""
        raise NotImplementedError("not started: GradReverse.backward (see the module docstring)")
