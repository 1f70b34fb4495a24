"""Builds x straight from x0: an int x0 makes an integer tensor, which cannot require grad."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    x = torch.tensor(x0, requires_grad=True)
    y = x**2
    z = y.detach()
    return {"x": x, "y": y, "z": z}
