"""Calls y.backward() before returning: the graph's buffers are freed, so a later backward fails."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    z = y.detach()
    return {"x": x, "y": y, "z": z}
