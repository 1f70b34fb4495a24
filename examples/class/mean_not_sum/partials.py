import torch


def partials(u0, v0):
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u**2 + v**3 + u * v
    f.backward()
    return u.grad, v.grad
