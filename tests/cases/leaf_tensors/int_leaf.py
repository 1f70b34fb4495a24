# expect: points=2 hint=float(x0)
# Wrong for ints: the visible checks use x0 = 2 (an int); the hidden random points are floats (1 + 1).
import torch


def build_graph(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x**2
    return {"x": x, "y": y, "z": y.detach()}
