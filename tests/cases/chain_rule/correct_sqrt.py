# expect: points=4 hint=-
# Correct: 2 * sqrt(2) spelled with math.sqrt, gradient through torch.autograd.grad.
import math

import torch


def derivative_scaled_sin(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = torch.sin(x / (2 * math.sqrt(2)))
    return torch.autograd.grad(y, x)[0]
