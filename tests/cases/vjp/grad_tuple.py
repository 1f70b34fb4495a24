# expect: points=8 hint=-
# Wrong: vjp_square_grad returns autograd.grad's tuple instead of the tensor inside it. vjp_square is right (7),
# and the tuple version still raises on a wrong-shape v (1). No declared mistake fits: no hint.
import torch


def vjp_square(x, v):
    leaf = x.detach().clone().requires_grad_(True)
    (leaf**2).backward(gradient=v)
    return leaf.grad


def vjp_square_grad(x, v):
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    return torch.autograd.grad(x**2, x, grad_outputs=v)
