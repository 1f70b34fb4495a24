"""Returns the partials as Python floats instead of tensors."""

import torch


def partials(u0: float, v0: float) -> tuple[float, float]:
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward()
    return u.grad.item(), v.grad.item()
