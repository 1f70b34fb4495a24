# expect: points=7 hint=-
# Correct: torch.autograd.grad of the summed product, with the detached factor taken from a separate product.
import torch


def detached_product_grad(x):
    t = x.clone().requires_grad_(True)
    square = t * t
    z = square.detach() * t
    return torch.autograd.grad(z.sum(), t)[0]


def full_product_grad(x):
    t = x.clone().requires_grad_(True)
    return torch.autograd.grad((t * t * t).sum(), t)[0]
