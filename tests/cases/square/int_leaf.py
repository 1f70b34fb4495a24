# expect: points=2 hint=float(x0)
# Wrong for int inputs: the visible checks pass 9 and 2 (ints); the hidden random points are floats.
import torch


def derivative_square(x0):
    x = torch.tensor(x0, requires_grad=True)
    (x**2).backward()
    return x.grad
