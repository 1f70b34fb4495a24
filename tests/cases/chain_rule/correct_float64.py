# expect: points=4 hint=-
# Correct in float64 with the scale written as a multiplication.
import torch


def derivative_scaled_sin(x0):
    x = torch.tensor(x0, dtype=torch.float64).requires_grad_()
    torch.sin(x * 2.0**-1.5).backward()
    return x.grad
