"""One leaf shared by every call: its .grad is never reset, so answers pile up."""

import torch

x = torch.tensor(0.0, requires_grad=True)


def derivative_square(x0: float) -> torch.Tensor:
    with torch.no_grad():
        x.fill_(float(x0))
    y = x**2
    y.backward()
    return x.grad.clone()
