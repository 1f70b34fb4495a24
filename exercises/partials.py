"""Exercise partials: both partial derivatives of a two-variable function."""

import torch


def partials(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (df/du, df/dv) of f(u, v) = u*v + u**2 + v**3 at (u0, v0).

    By hand: df/du = v + 2u and df/dv = u + 3v**2, so (2, 4) gives (8, 50).
    Make two leaves that require grad, build f from them and call
    ``backward()`` on f once: autograd fills the ``.grad`` of both leaves in
    the same pass. Return the two partials as a tuple of 0-d tensors, in the
    order (u, v).

    Calling ``backward()`` a second time does not give "the other" partial:
    it adds another copy of both gradients into ``.grad``.

    Docs: https://pytorch.org/docs/stable/notes/autograd.html
    """
    raise NotImplementedError("not started: partials (see its docstring: two leaves, one backward pass)")
