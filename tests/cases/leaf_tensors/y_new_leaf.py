# expect: points=0 hint=not connected to x
# Wrong: y is a fresh leaf holding x0**2, not computed from x.
import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.tensor(float(x0) * float(x0), requires_grad=True)
    return {"x": x, "y": y, "z": y.detach()}
