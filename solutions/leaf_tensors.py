"""Reference: leaf and non-leaf tensors in a small graph."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    """Return ``{"x": x, "y": x**2, "z": y.detach()}``.

    ``x`` is a leaf the user created with ``requires_grad=True``; ``y`` is made
    by an operation, so it is not a leaf and records ``PowBackward0``;
    ``z`` shares y's value but is cut from the graph, which makes it a leaf
    that does not require grad.
    """
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    z = y.detach()
    return {"x": x, "y": y, "z": z}
