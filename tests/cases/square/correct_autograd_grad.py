# expect: points=4 hint=-
# Correct, without .backward(): torch.autograd.grad returns the derivative directly.
import torch


def derivative_square(x0):
    point = torch.tensor(float(x0), requires_grad=True)
    (slope,) = torch.autograd.grad(point * point, point)
    return slope
