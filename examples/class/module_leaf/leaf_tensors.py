import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    z = y
    return {"x": x, "y": y, "z": z}
