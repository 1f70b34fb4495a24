import torch


def partials(u0, v0):
    u, v = (torch.tensor(float(t), requires_grad=True) for t in (u0, v0))
    f = u * v + u.pow(2) + v.pow(3)
    return torch.autograd.grad(f, (u, v))
