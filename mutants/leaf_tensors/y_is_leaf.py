"""Builds y as a new tensor from x0**2: y becomes a leaf with no grad_fn, unconnected to x."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.tensor(float(x0) ** 2, requires_grad=True)
    z = y.detach()
    return {"x": x, "y": y, "z": z}
