import torch


def build_graph(x0):
    # Create a tensor x
    x = torch.tensor(float(x0), requires_grad=True)
    # Create a tensor y according to y = x^2
    y = x**2
    z = y.detach()
    return {"x": x, "y": y, "z": z}
