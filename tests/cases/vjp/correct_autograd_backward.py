# expect: points=12 hint=-
# Correct: torch.autograd.backward with grad_tensors, and autograd.grad on a detached leaf whatever x is.
import torch


def vjp_square(x, v):
    leaf = x.clone().detach()
    leaf.requires_grad_()
    torch.autograd.backward(leaf * leaf, grad_tensors=v)
    return leaf.grad


def vjp_square_grad(x, v):
    xs = x.detach().requires_grad_()
    return torch.autograd.grad(xs.pow(2), xs, grad_outputs=v)[0]
