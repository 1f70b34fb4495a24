# expect: points=10 hint=your own leaf
# Wrong: vjp_square_grad calls x.requires_grad_() on the caller's tensor (the tutorial idiom) and uses
# torch.autograd.grad, so x.grad stays None and the values are right, but the caller's x now requires
# grad: fails grad_vjp_random, which watches requires_grad (12 - 2). vjp_square is right.
import torch


def vjp_square(x, v):
    leaf = x.detach().clone().requires_grad_(True)
    (leaf**2).backward(gradient=v)
    return leaf.grad


def vjp_square_grad(x, v):
    x.requires_grad_()
    (grad,) = torch.autograd.grad(x**2, x, grad_outputs=v)
    return grad
