# expect: points=0 hint=-
# Wrong by the course's rules: y = x * x records MulBackward0, and the course asks for PowBackward0.
# z is detached correctly, so no declared mistake fits and no hint should be given.
import torch


def build_graph(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x * x
    return {"x": x, "y": y, "z": y.detach()}
