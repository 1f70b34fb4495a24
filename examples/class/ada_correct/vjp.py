import torch


def vjp_square(x, v):
    w = torch.tensor(x.tolist(), dtype=x.dtype, requires_grad=True)
    y = w**2
    y.backward(gradient=v)
    return w.grad


def vjp_square_grad(x, v):
    if x.requires_grad:
        leaf = x
    else:
        leaf = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(outputs=leaf**2, inputs=leaf, grad_outputs=v)
    return g
