# expect: points=3 hint=your own leaf
# Wrong: detached_product_grad makes the caller's x itself require grad (x.requires_grad_()), then takes
# torch.autograd.grad: right values, x's values and version untouched, but the caller's x now requires grad.
# Every detached check watches requires_grad (7 - 1 - 2 - 1); full_product_grad is right (1 + 2).
import torch


def detached_product_grad(x):
    x.requires_grad_()
    u = (x * x).detach()
    (grad,) = torch.autograd.grad((u * x).sum(), x)
    return grad


def full_product_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    (leaf * leaf * leaf).sum().backward()
    return leaf.grad
