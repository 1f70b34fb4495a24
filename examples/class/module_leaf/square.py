import torch

x = torch.tensor(9.0, requires_grad=True)


def derivative_square(x0):
    x.data = torch.tensor(float(x0))
    y = x**2
    y.backward()
    return x.grad
