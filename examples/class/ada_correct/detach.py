import torch


def detached_product_grad(x):
    leaf = x.clone().detach().requires_grad_()
    with torch.no_grad():
        u = leaf * leaf
    z = u * leaf
    z.backward(torch.ones_like(z))
    return leaf.grad


def full_product_grad(x):
    leaf = x.clone().detach().requires_grad_()
    z = leaf**3
    z.backward(torch.ones_like(z))
    return leaf.grad
