import torch


def build_graph(x0):
    x = torch.tensor(float(x0)).requires_grad_()
    y = torch.square(x)
    return {"x": x, "y": y, "z": y.detach().clone()}
