"""Reference: both partial derivatives of f(u, v) = u*v + u**2 + v**3 from one backward pass."""

import torch


def partials(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (df/du, df/dv) = (v + 2u, u + 3v**2) at (u0, v0) as 0-d tensors.

    One ``backward()`` fills the ``.grad`` of every leaf that requires grad,
    so both partials come from a single pass.
    """
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward()
    return u.grad, v.grad
