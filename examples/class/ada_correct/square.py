import torch


def derivative_square(x0):
    x = torch.tensor(x0, dtype=torch.float32, requires_grad=True)
    (dydx,) = torch.autograd.grad(x.pow(2), x)
    return dydx
