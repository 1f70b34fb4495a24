"""Exercise leaf_tensors: which tensors are leaves of the graph."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    """Return a dict with three tensors built from x0:

    - ``"x"``: a leaf you create with ``requires_grad=True`` holding x0;
    - ``"y"``: ``x**2``; made by an operation, so it is *not* a leaf and its
      ``grad_fn`` is ``PowBackward0``;
    - ``"z"``: ``y.detach()``; same value as y, but cut from the graph, so it
      is a leaf that does not require grad.

    Do not call ``backward()`` here: whoever receives the dict should be able
    to call ``result["y"].backward()`` and find 2 * x0 in ``result["x"].grad``.
    Cast x0 with ``float`` (it may be an int).

    Docs: https://pytorch.org/docs/stable/generated/torch.Tensor.is_leaf.html
    """
    raise NotImplementedError("not started: build_graph (see its docstring)")
