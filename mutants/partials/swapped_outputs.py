"""Returns (df/dv, df/du): the right numbers in the wrong order."""

import torch


def partials(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward()
    return v.grad, u.grad
