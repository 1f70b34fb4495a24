# expect: points=0 hint=Detach it from y
# Wrong: z = y stays in the graph.
import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    return {"x": x, "y": y, "z": y}
