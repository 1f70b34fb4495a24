# expect: points=2 hint=backward fails afterwards
# Wrong: calls y.backward() itself; the graph checks pass (1 + 1), the checks' own backward fails.
import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    return {"x": x, "y": y, "z": y.detach()}
