import torch


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    return x.grad
