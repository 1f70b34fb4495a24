"""Uses y itself as z: z stays in the graph, so it is not a leaf and requires grad."""

import torch


def build_graph(x0: float) -> dict[str, torch.Tensor]:
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    z = y
    return {"x": x, "y": y, "z": z}
