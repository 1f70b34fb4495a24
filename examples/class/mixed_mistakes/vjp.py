import torch


def vjp_square(x, v):
    leaf = x.detach().clone().requires_grad_(True)
    loss = torch.sum(leaf**2 * v)
    loss.backward()
    return leaf.grad


def vjp_square_grad(x, v):
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.sum(x**2 * v), x)
    return g
