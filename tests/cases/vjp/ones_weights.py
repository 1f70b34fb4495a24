# expect: points=0 hint=whatever v is
# Wrong: backpropagates all-ones weights (torch.ones_like(y)) instead of v, so v is never used.
import torch


def vjp_square(x, v):
    leaf = x.detach().clone().requires_grad_(True)
    y = leaf**2
    y.backward(torch.ones_like(y))
    return leaf.grad


def vjp_square_grad(x, v):
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    y = x**2
    return torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))[0]
