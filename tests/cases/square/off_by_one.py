# expect: points=0 hint=-
# Wrong: differentiates x**2 + x, so every answer is 2x + 1. Each input is one number: its "factor" (19/18 at 9,
# 5/4 at 2) differs from input to input, so no constant factor may be claimed.
import torch


def derivative_square(x0):
    x = torch.tensor(float(x0), requires_grad=True)
    y = x**2 + x
    y.backward()
    return x.grad
