# expect: points=0 hint=python floats
# Wrong: Python floats instead of tensors.
import torch


def partials(u0, v0):
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    (u * v + u**2 + v**3).backward()
    return float(u.grad), float(v.grad)
