# expect: points=0 hint=rather than its derivative
# Wrong: returns y = x**2 instead of x.grad.
import torch


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2
    y.backward()
    return y.detach()
