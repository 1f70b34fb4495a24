# expect: points=4 hint=-
# Correct: torch.autograd.grad on two leaves, returned as a list (a sequence of two 0-d tensors).
import torch


def partials(u0, v0):
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u.pow(2) + v.pow(3)
    du, dv = torch.autograd.grad(f, [u, v])
    return [du, dv]
